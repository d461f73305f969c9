"""Screenshots of the demo dashboard at 1280x800 and of its weekly email report.

    .venv/bin/python scripts/screenshot.py [OUT.png]     (default docs/dashboard.png)

Uses the same database as `flask demo` (DATABASE_URL or the embedded server),
prepares the demo tenant, serves the app on a free local port, logs in and
saves the first screen and the full page (OUT with -full before the suffix); then
renders `flask reports preview --html` for the demo owner into email-report.png
beside OUT.
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from analytics_app import create_app  # noqa: E402
from analytics_app.cli.demo import prepare_demo  # noqa: E402
from tests.browser import CHROMIUM, CHROMIUM_ARGS, LiveServer  # noqa: E402


def main(out):
    from playwright.sync_api import sync_playwright

    app = create_app()
    with LiveServer(app) as live, app.app_context():
        demo = prepare_demo(live.port, echo=lambda _line: None)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.goto(demo["url"] + "/")
            page.get_by_label("Email").fill(demo["email"])
            page.get_by_label("Password").fill(demo["password"])
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url(demo["url"] + "/")
            page.screenshot(path=str(out))
            page.screenshot(
                path=str(out.with_name(out.stem + "-full" + out.suffix)), full_page=True
            )
            email = out.with_name("email-report.png")
            html = email.with_suffix(".html")
            result = app.test_cli_runner().invoke(
                args=["reports", "preview", "--tenant", "demo", "--email", demo["email"]]
                + ["--html", str(html)]
            )
            assert result.exit_code == 0, result.output
            page = browser.new_page(viewport={"width": 700, "height": 900})
            page.goto(html.resolve().as_uri())
            page.screenshot(path=str(email), full_page=True)
            html.unlink()
            browser.close()
    print(f"saved {out} and {email}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "dashboard.png")
