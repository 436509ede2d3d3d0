import type { Page } from 'playwright-core';

/** Driving GraphiQL 5 as a person does: tabs, the Monaco editors, the run button, the result. */

/**
 * Selects a tab from the keyboard. A mouse click does not switch tabs in headless Chromium:
 * the tab bar's drag-to-reorder captures the pointer, so the click lands on the list (seen in
 * the page's own events), while focus and Enter reach the tab's button as they do for a person.
 */
export async function openTab(page: Page, title: string): Promise<void> {
  await page.locator(`button.graphiql-tab-button[title="${title}"]`).focus();
  await page.keyboard.press('Enter');
  await page.locator(`li.graphiql-tab-active button[title="${title}"]`).waitFor();
}

/** Replaces an editor's text the way a paste does (typing would trigger Monaco's auto-closing). */
async function replaceText(page: Page, editor: string, text: string): Promise<void> {
  const target = page.locator(editor).first();
  await target.locator('.view-lines').click();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(text);
}

export async function setPane(page: Page, pane: 'variables' | 'headers', text: string): Promise<void> {
  await page.locator(`.graphiql-editor-tools button[data-name="${pane}"]`).click();
  await replaceText(page, '.graphiql-editor-tool .graphiql-editor:visible', text);
}

export async function paneText(page: Page, pane: 'variables' | 'headers'): Promise<string> {
  await page.locator(`.graphiql-editor-tools button[data-name="${pane}"]`).click();
  return textOf(page, '.graphiql-editor-tool .graphiql-editor:visible');
}

/** An editor's text, as Monaco renders it (non-breaking spaces back to spaces). */
async function textOf(page: Page, editor: string): Promise<string> {
  const text = await page.locator(editor).first().locator('.view-lines').innerText();
  return text.replace(/\u00a0/g, ' ');
}

/** Runs one operation of the tab's document (GraphiQL asks which when there are several). */
export async function run(page: Page, operation?: string): Promise<void> {
  await page.locator('.graphiql-execute-button').click();
  if (operation) await page.getByRole('menuitem', { name: operation, exact: true }).click();
}

export function responseText(page: Page): Promise<string> {
  return textOf(page, '.graphiql-response');
}

/**
 * Waits until the result pane matches, and returns its text with runs of whitespace as one
 * space (the pane wraps long lines, so a message may be split over lines).
 */
export async function waitForResponse(page: Page, pattern: RegExp, timeoutMs = 15_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let text = '';
  while (Date.now() < deadline) {
    text = (await responseText(page).catch(() => '')).replace(/\s+/g, ' ');
    if (pattern.test(text)) return text;
    await page.waitForTimeout(100);
  }
  throw new Error(`GraphiQL's result never matched ${pattern}; it shows:\n${text}`);
}

/** The value of "field": "…" in a JSON text GraphiQL shows. */
export function jsonField(text: string, field: string): string {
  const value = new RegExp(`"${field}"\\s*:\\s*"([^"]+)"`).exec(text)?.[1];
  if (!value) throw new Error(`no "${field}" in:\n${text}`);
  return value;
}
