/**
 * The tabs GraphiQL opens with: signing in, the Live example, then one tab per seed scenario
 * (the Django articles this project ports: the newest crate, the stock check before an order,
 * the buyer's notification after it). README's "First ten minutes" walks through them in order.
 */

export interface GraphiQLTab {
  query: string;
  variables?: string;
  headers?: string;
}

const AUTH_HEADERS = `{ "Authorization": "Bearer <token>" }`;

const signIn = `# signalyard: writes fire Django-style model signals in
# their own transaction; committed events stream to
# subscribers. README "First ten minutes" walks these tabs.
#
# 1. In Variables below, put the password npm start
#    printed on its first run (or your ADMIN_PASSWORD).
# 2. Run SignIn (the ▶ button, or Ctrl-Enter).
# 3. Copy the token it answers. In each other tab, put it
#    in place of <token> in Headers.
mutation SignIn($username: String!, $password: String!) {
  logIn(input: { username: $username, password: $password }) {
    token
    user { username role }
  }
}
`;

const live = `# Every committed save, as it commits. Run it and leave
# this window running; write from a second GraphiQL window
# (one operation runs at a time per window). A rejected
# write shows nothing: events are published after commit.
# To resume, pass the last cursor: postSave(after: "…").
subscription Live {
  postSave {
    cursor model created updateFields
    node {
      id
      ... on Warehouse { name newestCrate { name } }
      ... on Crate { name warehouse { name } }
      ... on InventoryItem { item quantity }
      ... on Order { ordNumber quantity status }
      ... on Notification { message }
    }
  }
}
`;

const newestCrate = `# Seed scenario 1: a warehouse's newestCrate is its newest
# crate. A post_save receiver on Crate keeps it so, in the
# crate's own transaction, whatever wrote the crate.
# 1. Run CreateWarehouse; put the id it answers in
#    Variables as "warehouseId".
# 2. Run CreateCrate. Live (in the first window) shows
#    the warehouse: updateFields ["newestCrateId"].
# 3. Run NewestCrate: newestCrate is the crate you made.
query NewestCrate($warehouseId: ID!) {
  node(id: $warehouseId) {
    ... on Warehouse {
      name
      newestCrate { name }
      crates(first: 10) { edges { node { name } } }
    }
  }
}

mutation CreateWarehouse {
  createWarehouse(input: { name: "North Dock", address: "1 Harbour Road" }) { id name }
}

mutation CreateCrate($warehouseId: ID!) {
  createCrate(input: { name: "CR-00531", warehouseId: $warehouseId }) {
    id
    name
    warehouse { newestCrate { name } }
  }
}
`;

const stockCheck = `# Seed scenario 2: before an order is saved, a pre_save
# receiver checks the stock and takes it, in the same
# transaction. Too few: OUT_OF_STOCK, and no order, no
# notification, no event. An order of exactly the stock
# succeeds (the seed article's comparison was inverted).
# 1. Run CreateItem; put the id it answers in Variables
#    as "itemId".
# 2. Run StockCheck: 3 ordered, 2 in stock: OUT_OF_STOCK.
#    Live shows nothing new.
# 3. Go on in the BuyerNotified tab.
mutation StockCheck($itemId: ID!, $quantity: Int!) {
  placeOrder(input: { inventoryItemId: $itemId, quantity: $quantity }) {
    ordNumber
    quantity
    status
    inventoryItem { item quantity }
  }
}

mutation CreateItem {
  createInventoryItem(input: { item: "Office chair", itemCode: 1002, itemCondition: "new", quantity: 2 }) {
    id
    item
    quantity
  }
}
`;

const buyerNotified = `# Seed scenario 3: after an order is saved, a post_save
# receiver notifies the buyer in the order's transaction;
# the notification streams to the buyer once it commits.
# 1. Run BuyerNotified and leave this window running.
# 2. In the other window's StockCheck tab, set "quantity"
#    to 2 (all the stock) and run StockCheck: accepted.
#    The notification arrives here.
subscription BuyerNotified {
  notifications {
    message
    createdAt
    order { ordNumber quantity status }
  }
}
`;

export const GRAPHIQL_TABS: GraphiQLTab[] = [
  {
    query: signIn,
    variables: `{ "username": "admin", "password": "the password from the start-up log" }`,
  },
  { query: live, headers: AUTH_HEADERS },
  {
    query: newestCrate,
    variables: `{ "warehouseId": "the id CreateWarehouse answers" }`,
    headers: AUTH_HEADERS,
  },
  {
    query: stockCheck,
    variables: `{ "itemId": "the id CreateItem answers", "quantity": 3 }`,
    headers: AUTH_HEADERS,
  },
  { query: buyerNotified, headers: AUTH_HEADERS },
];
