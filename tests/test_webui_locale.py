"""webui/locale.py: HTML pages get the zh-CN script first thing in <head>; everything else passes untouched."""
from __future__ import annotations

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.responses import HTMLResponse, JSONResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from webui.locale import SCRIPT, ChinesePageMiddleware, inject

PAGE = '<!doctype html><html lang="en"><head><meta charset="utf-8"><script type="module" src="x.js"></script></head></html>'


def _client() -> TestClient:
    async def page(request):
        return HTMLResponse(PAGE)

    async def config(request):
        return JSONResponse({"head": "<head>"})

    app = Starlette(routes=[Route("/", page, methods=["GET", "POST"]), Route("/config", config),
                            Route("/gradio_api/file=a.html", page)],
                    middleware=[Middleware(ChinesePageMiddleware)])
    return TestClient(app)


def test_html_page_gets_the_locale_script_before_any_other_script():
    response = _client().get("/")
    assert response.text.startswith("<!doctype html><html lang=\"en\"><head>" + SCRIPT.decode())
    assert response.text.index("zh-CN") < response.text.index('type="module"')
    assert int(response.headers["content-length"]) == len(response.content)


def test_other_responses_pass_untouched():
    client = _client()
    assert client.get("/config").json() == {"head": "<head>"}
    assert "zh-CN" not in client.post("/").text
    assert inject(b"no head here") == b"no head here"


def test_the_api_and_its_files_are_never_pages():
    response = _client().get("/gradio_api/file=a.html")  # an uploaded HTML file, say: served as it is
    assert response.text == PAGE
