"""Screenshots for the docs: the demo site in Debian's Chromium, on a PC (1280 px) and a phone
(390 × 844), standard and with ふりがな on. Writes docs/screenshots/*.png.

    .venv/bin/python scripts/screenshots.py     # needs scripts/setup.sh --browser
"""

from __future__ import annotations

import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from forum import create_app  # noqa: E402
from tests.helpers.chromium import chromium_options  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
SHOTS = [  # (file, path, width, height, phone, cookies)
    ("home.png", "/", 1280, 900, False, {}),
    ("thread-phone.png", "/threads/1", 390, 844, True, {}),
    ("thread-furigana.png", "/threads/1", 1280, 900, False, {"hiroba_furigana": "on"}),
    ("thread-furigana-phone.png", "/threads/1", 390, 844, True, {"hiroba_furigana": "on", "hiroba_text": "large"}),
    ("guide-phone.png", "/guide", 390, 844, True, {}),
]


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="hiroba-shots-"))
    app = create_app({"RATELIMIT_ENABLED": False}, instance_path=str(folder))
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
    assert app.test_cli_runner().invoke(args=["demo"]).exit_code == 0
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    options = chromium_options("/usr/bin/chromium", folder / "chromium", "--hide-scrollbars")
    driver = webdriver.Chrome(options=options, service=Service(executable_path="/usr/bin/chromedriver"))
    try:
        for name, path, width, height, phone, cookies in SHOTS:
            driver.execute_cdp_cmd(
                "Emulation.setDeviceMetricsOverride",
                {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": phone},
            )
            driver.get(base + "/")
            driver.delete_all_cookies()
            for key, value in cookies.items():
                driver.add_cookie({"name": key, "value": value, "path": "/"})
            driver.get(base + path)
            driver.save_screenshot(str(OUT / name))
            print(OUT.relative_to(ROOT) / name)
    finally:
        driver.quit()
        server.shutdown()


if __name__ == "__main__":
    main()
