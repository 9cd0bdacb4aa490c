// Drives the reference page (GET /api/docs) in Debian's headless Chromium with playwright-core, as a user would:
// the page renders from the app's own assets, the sidebar lists the operations, and "Test Request" on
// "List contacts" with the tenant's key gets an answer from the app. Prints one JSON line for the C# test.
// Usage: node reference-page.mjs <app base url> <tenant api key>
import { chromium } from 'playwright-core';

const [baseUrl, apiKey] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  // Offline machine: no background calls to Google's services, which would be refused and slow the start.
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
const result = { failedRequests: [], outsideRequests: [] };
try {
  const page = await browser.newPage();
  const origin = new URL(baseUrl).origin;
  page.on('request', r => { if (!r.url().startsWith(origin) && !r.url().startsWith('data:')) result.outsideRequests.push(r.url()); });
  page.on('requestfailed', r => result.failedRequests.push(r.url()));
  await page.goto(new URL('api/docs', baseUrl).toString());

  result.title = await page.getByRole('heading', { name: 'OneClick API' }).first().innerText({ timeout: 30000 });
  await page.getByRole('button', { name: 'Open Group - Contacts' }).click();
  result.contactOperations = await page.getByRole('link').filter({ hasText: /contact/i }).allInnerTexts();

  await page.getByPlaceholder('Token').first().fill(apiKey);
  await page.getByText('List contacts', { exact: true }).first().click();
  await page.getByRole('button', { name: /Test Request\s*\(get \/api\/contacts\)/ }).click();
  const answer = page.waitForResponse(r => new URL(r.url()).pathname === '/api/contacts' && r.request().method() === 'GET');
  await page.getByRole('button', { name: /^Send/ }).first().click();
  const response = await answer;
  result.tryIt = { status: response.status(), authorization: (await response.request().allHeaders()).authorization ?? null, body: await response.json() };
} finally {
  await browser.close();
}
console.log(JSON.stringify(result));
