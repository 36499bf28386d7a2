// Drives the Hawtio console in headless Chromium: finds the demo's Camel routes, stops one and starts it again through
// the Routes table, and checks each change in the instance itself over Jolokia. Run by hawtio-check.sh, which starts
// the demo and the console and passes everything in the environment (the password never on a command line).
const fs = require('fs');
const os = require('os');
const path = require('path');
const { chromium } = require('playwright-core');

const consoleUrl = process.env.CONSOLE_URL;
const jolokiaUrl = process.env.JOLOKIA_URL;
const user = process.env.NOTION_MANAGEMENT_USER || 'admin';
const password = process.env.NOTION_MANAGEMENT_PASSWORD;
const out = process.env.OUT_DIR;
const route = process.env.ROUTE || 'poll-projects';
const basic = 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64');

function step(text) {
  console.log(`hawtio-check: ${text}`);
}

// the instance's own answer, not the page's: the UI could show a state the route is not in
async function routeState() {
  const response = await fetch(jolokiaUrl.replace(/\/?$/, '/'), {
    method: 'POST',
    headers: { Authorization: basic, 'Content-Type': 'application/json' },
    body: JSON.stringify({ type: 'read', mbean: `org.apache.camel:context=notion-sync,type=routes,name="${route}"`, attribute: 'State' }),
  });
  const body = await response.json();
  if (body.status !== 200) {
    throw new Error(`Jolokia read of ${route}'s State failed: ${JSON.stringify(body)}`);
  }
  return body.value;
}

async function expectInstanceState(expected) {
  const deadline = Date.now() + 20000;
  let state;
  while (Date.now() < deadline) {
    state = await routeState();
    if (state === expected) {
      step(`Jolokia says ${route} is ${state}`);
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`${route} should be ${expected} according to Jolokia, is ${state}`);
}

async function main() {
  const unauthenticated = await fetch(consoleUrl);
  if (unauthenticated.status !== 401) {
    throw new Error(`the console should ask for credentials, answered ${unauthenticated.status}`);
  }
  step('the console asks for credentials (401 without them)');

  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'hawtio-check-chromium-'));
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
    httpCredentials: { username: user, password },
    viewport: { width: 1400, height: 1000 },
  });
  const page = browser.pages()[0] || (await browser.newPage());
  page.setDefaultTimeout(60000);
  page.on('pageerror', (error) => step(`page error: ${error.message}`));
  try {
    await page.goto(consoleUrl, { waitUntil: 'networkidle' });
    await page.getByText(route, { exact: true }).first().waitFor();
    await page.screenshot({ path: path.join(out, '01-camel-tree.png') });
    step(`Hawtio shows the Camel context notion-sync with route ${route} in its tree`);

    await page.getByText('routes', { exact: true }).first().click();
    const table = page.locator('#camel-routes-table');
    const row = table.locator('tbody tr', { hasText: route });
    await row.getByText('Started', { exact: true }).waitFor();
    await page.screenshot({ path: path.join(out, '02-routes-table.png') });
    step(`the Routes table lists ${route} as Started`);
    await expectInstanceState('Started');

    await row.locator('input[type=checkbox]').check();
    await page.getByRole('button', { name: 'Stop', exact: true }).click();
    await row.getByText('Stopped', { exact: true }).waitFor({ timeout: 30000 });
    await page.screenshot({ path: path.join(out, '03-route-stopped.png') });
    step(`stopped ${route} with the Stop button; the table shows Stopped`);
    await expectInstanceState('Stopped');

    if (!(await row.locator('input[type=checkbox]').isChecked())) {
      await row.locator('input[type=checkbox]').check();
    }
    await page.getByRole('button', { name: 'Start', exact: true }).click();
    await row.getByText('Started', { exact: true }).waitFor({ timeout: 30000 });
    await page.screenshot({ path: path.join(out, '04-route-started.png') });
    step(`started ${route} with the Start button; the table shows Started`);
    await expectInstanceState('Started');

    // the diagram needs the context's dumpRoutesAsXml(), which the instance's Jolokia policy grants
    const drawn = route.replace(/^poll-/, 'pull-');
    await page.getByText(drawn, { exact: true }).first().click();
    await page.getByText('Route Diagram', { exact: true }).click();
    await page.locator('.react-flow__node').nth(2).waitFor({ timeout: 30000 });
    await page.screenshot({ path: path.join(out, '05-route-diagram.png') });
    step(`the Route Diagram tab draws ${drawn} (${await page.locator('.react-flow__node').count()} steps)`);
  } catch (error) {
    await page.screenshot({ path: path.join(out, 'failure.png') }).catch(() => {});
    throw error;
  } finally {
    await browser.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

main().then(
  () => step(`passed; screenshots in ${out}`),
  (error) => {
    console.error(`hawtio-check: FAILED: ${error.message}`);
    process.exit(1);
  },
);
