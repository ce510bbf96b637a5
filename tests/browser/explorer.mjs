// Drive the sparsity explorer in JupyterLab with Debian's Chromium (called by tests/test_browser.py).
// usage: node explorer.mjs URL SCREENSHOT [CHROMIUM]
// Opens the notebook, runs all cells, reads the readout and the plot, presses ArrowRight on the
// sparsity slider, waits for both to change, saves a screenshot and prints one JSON line.
import { chromium } from "playwright-core";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const [url, shot, exe = "/usr/bin/chromium"] = process.argv.slice(2);

async function idle(page) {   // the kernel has finished all queued work: status bar "... | Idle" for a whole second
  const isIdle = () => page.evaluate(() => /\|\s*Idle/.test((document.querySelector("#jp-main-statusbar") || document.body).innerText));
  const deadline = Date.now() + 180_000;
  for (let calm = 0; calm < 4; ) {
    if (Date.now() > deadline) throw new Error("the kernel did not become idle within 180 s");
    calm = (await isIdle()) ? calm + 1 : 0; await page.waitForTimeout(250);
  }
}
async function dismissToasts(page) {   // "Would you like to get notified about official Jupyter news?"
  const no = page.locator(".jp-Notification-Toast button", { hasText: /^No$/ });
  if (await no.count()) { await no.first().click(); await page.waitForTimeout(300); }
}
const profile = mkdtempSync(join(tmpdir(), "apt-nb-chromium-"));
const flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
  "--no-first-run", "--disable-sync", "--disable-quic"];
const context = await chromium.launchPersistentContext(profile, { executablePath: exe, args: flags, headless: true,
                                                                   viewport: { width: 1280, height: 1000 } });
const result = {};
let page;
try {
  page = context.pages()[0] || await context.newPage();
  page.setDefaultTimeout(180_000);
  await page.goto(url);
  await page.waitForSelector(".jp-Notebook .jp-Cell", { state: "attached" });
  const kernelDialog = page.locator(".jp-Dialog button.jp-mod-accept");   // "Select Kernel", if asked
  await page.waitForTimeout(1500);
  if (await kernelDialog.count()) await kernelDialog.first().click();
  await page.locator(".lm-MenuBar-itemLabel", { hasText: /^Run$/ }).click();
  await page.locator(".lm-Menu-itemLabel", { hasText: /^Run All Cells$/ }).click();

  const slider = page.locator(".widget-slider").first();
  await slider.waitFor({ state: "attached" });
  await slider.evaluate(e => e.scrollIntoView({ block: "start" }));
  const readout = page.locator(".widget-html-content", { hasText: "dev accuracy" }).first();
  await readout.waitFor({ state: "visible" });
  const plot = page.locator(".widget-output img").first();
  await plot.waitFor({ state: "visible" });
  result.before = { readout: await readout.innerText(), slider: await page.locator(".widget-readout").first().innerText(),
                    plot: (await plot.getAttribute("src")).slice(-64) };
  await idle(page);
  await dismissToasts(page);
  const handle = page.locator(".widget-slider .noUi-handle").first();
  await handle.focus();
  for (let i = 0; i < 4; i++) await handle.press("ArrowRight");   // 60% -> 80%, a step of 5% per key
  await page.waitForFunction(([old]) => {
    const r = [...document.querySelectorAll(".widget-html-content")].find(e => e.innerText.includes("dev accuracy"));
    return r && r.innerText !== old;
  }, [result.before.readout]);
  await idle(page);   // every key press is one update: wait until the last one has been drawn
  result.after = { readout: await readout.innerText(), slider: await page.locator(".widget-readout").first().innerText(),
                   plot: (await plot.getAttribute("src")).slice(-64) };
  await dismissToasts(page);
  await slider.evaluate(e => e.scrollIntoView({ block: "start" }));
  await page.screenshot({ path: shot });
  result.ok = true;
} catch (e) {
  result.ok = false; result.error = String(e);
  try { await page?.screenshot({ path: shot }); } catch {}
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
console.log(JSON.stringify(result));
process.exit(result.ok ? 0 : 1);
