"""An SVG carrying script, uploaded in a customer's detail, runs nothing: it is listed as text and only ever
downloaded, as ``application/octet-stream`` with ``Content-Disposition: attachment``."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from db.changes import ChangeSet, NewRow, apply
from db.connection import opened
from tests.browser.test_in_browser import settle
from tests.conftest import ADMIN

IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
NAME = "恶意 <b>logo.svg"
SAFE = "恶意 _b_logo.svg"  # kept without the characters Windows forbids in a name
SVG = (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(\'svg-onload\')">'
       b'<script>console.log("XSS-RAN"); alert("svg-script")</script><text x="0" y="15">x</text></svg>')


def test_an_svg_with_a_script_uploaded_in_the_detail_runs_nothing_and_is_only_offered_as_a_download(page, server):
    url, base = server
    with opened(base) as db:
        customer = apply(db, ChangeSet("customers", inserts=(NewRow({"name": "附件测试客户"}),)),
                         actor=ADMIN).inserted[0]
    dialogs, console = [], []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.on("console", lambda message: console.append(message.text))
    page.goto(f"{url}/customers?customer={customer}")
    page.wait_for_selector(IDLE, timeout=60_000)

    page.locator("[data-testid='stFileUploaderDropzoneInput']").first.set_input_files(
        files=[{"name": NAME, "mimeType": "image/svg+xml", "buffer": SVG}])
    listed = page.locator("[data-testid='stText']", has_text=SAFE)
    listed.wait_for(timeout=60_000)
    settle(page)

    assert listed.inner_text().strip() == SAFE
    main = page.locator("[data-testid='stMain']")
    assert main.locator("img, object, embed, iframe, b").count() == 0  # the file is nowhere shown inline
    assert page.locator("svg script, svg text").count() == 0

    with page.expect_download(timeout=30_000) as started:
        main.locator("[data-testid='stDownloadButton'] button", has_text="下载").first.click()  # not 导出 Excel
    download = started.value
    assert download.suggested_filename == SAFE
    assert Path(download.path()).read_bytes() == SVG
    # the browser's own response event for a download may come after it finished, so ask the server again
    assert urlsplit(download.url).path.startswith("/media/"), download.url
    headers = page.request.get(download.url).headers
    assert headers["content-type"].startswith("application/octet-stream")
    assert headers["content-disposition"].startswith("attachment")

    page.wait_for_timeout(500)
    assert dialogs == []
    assert not [text for text in console if "XSS-RAN" in text]
