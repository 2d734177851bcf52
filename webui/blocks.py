"""Layout of the web UI and the wiring of its events; ``build_demo`` is the only entry point."""
from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import gradio as gr

from webui import render
from webui.feedback import FeedbackLog
from webui.handlers import DOC_HEADERS, DOC_TAB, Handlers
from webui.settings import DEFAULT_FEEDBACK
from webui.tasks_tab import build_tasks_tab

if TYPE_CHECKING:
    from webui.answer_pool import AnswerPool

TITLE = "政策问答"
EXAMPLES = [
    "江门市2023年推进哪十项重点改革？",
    "蓬江区接管了多少个停车场",
    "吉安市普惠小微贷款余额年均增长目标是多少？",
    "江门计划建设多少家高价值专利培育布局中心？",
]
UPLOAD_TYPES = [".txt", ".md", ".docx", ".pdf", ".html", ".htm"]
KB_WRITE = "kb-write"  # uploads and deletions run one at a time
# /ask through the API: the engine is thread-safe, so questions are not held back in Gradio's queue (a waiting event
# costs the event loop a poll every millisecond and estimation messages); the thread pool (40) bounds them. The
# page's own questions keep the queue's default limit (--concurrency).
ASK_API_CONCURRENCY = 32
# Gradio rebuilds its monitoring summary (a pandas table of up to 10,000 past events) after every event: about 3 ms
# of each question at first, 10 ms once 10,000 have been asked. The app shows no monitoring page; now and then is
# enough. Read when the queue is made (``demo.queue()``), so set here, before it; the environment still wins.
GRADIO_QUEUE_ENV = {"GRADIO_ANALYTICS_CACHE_FREQUENCY": "500", "GRADIO_ANALYTICS_MAX_EVENTS": "2000"}

HEADER = f"""
<div class="pqa-header">
  <div class="pqa-logo">政</div>
  <div><h1>{TITLE}</h1><p>答案逐字摘自政策原文并标明出处；文件里没有的，直接告诉你“未找到”。</p></div>
</div>
"""
# the sources panel: a click on 查看原文 becomes its click event, with the document and span (render.open_button)
OPEN_JS = """element.addEventListener('click', (e) => {
  const b = e.target.closest('.pqa-open');
  if (b) trigger('click', {doc_id: b.dataset.doc, start: Number(b.dataset.start), end: Number(b.dataset.end),
                           kind: b.dataset.kind});
});"""
# once the 原文 tab shows the document, bring the marked span into view
SCROLL_JS = """() => { setTimeout(() => {
  const m = document.querySelector('#pqa-doc #pqa-cited');
  if (m) m.scrollIntoView({block: 'center'});
}, 150); }"""
# 复制答案与出处 on each reply (render.copy_button): copies the hidden lines beside it, the reply's plain text; one
# listener for the page (composedPath also finds the button inside an embedding page's shadow root). Without a
# secure context (http on a LAN address) the clipboard API is missing, so a hidden textarea and execCommand copy.
COPY_JS = """if (!window.pqaCopyReady) {
  window.pqaCopyReady = true;
  document.addEventListener('click', (e) => {
    const b = e.composedPath().find((n) => n.classList && n.classList.contains('pqa-copy'));
    if (!b) return;
    e.preventDefault(); e.stopPropagation();
    const row = b.closest('.pqa-copy-row');
    const text = row ? Array.from(row.querySelectorAll('.pqa-copy-line'), (n) => n.textContent).join('\\n') : '';
    const label = b.textContent;
    const done = (ok) => {
      b.textContent = ok ? '已复制' : '未能复制，请从“答案与出处”框复制';
      b.classList.toggle('pqa-copied', ok);
      setTimeout(() => { b.textContent = label; b.classList.remove('pqa-copied'); }, 1500);
    };
    const fallback = () => {
      const t = document.createElement('textarea');
      t.value = text; t.setAttribute('readonly', ''); t.style.position = 'fixed'; t.style.opacity = '0';
      document.body.appendChild(t); t.select();
      let ok = false;
      try { ok = document.execCommand('copy'); } catch (err) { ok = false; }
      t.remove(); done(ok);
    };
    if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(text).then(() => done(true), fallback);
    else fallback();
  }, true);
}"""
PLACEHOLDER = """<div class="pqa-placeholder"><b>有什么政策问题？</b><br>
答案逐字摘自知识库中的政策文件，并附带标题、章节和位置。<br>点击下方示例，或直接输入问题。</div>"""


def build_demo(engine_provider: Callable[[], Any], feedback_path: Path | None = None,
               answer_pool: AnswerPool | None = None) -> gr.Blocks:
    """The whole app. ``engine_provider()`` returns the shared QAEngine; it is first called on a request. With
    ``answer_pool`` (``webui.answer_pool.AnswerPool``) questions are answered in its worker processes."""
    h = Handlers(engine_provider, FeedbackLog(feedback_path or DEFAULT_FEEDBACK), answer_pool)
    for name, value in GRADIO_QUEUE_ENV.items():
        os.environ.setdefault(name, value)

    with gr.Blocks(title=TITLE, analytics_enabled=False) as demo:
        answers = gr.State([])   # one answer dict per question of this session, in order
        selected = gr.State(-1)  # which answer the sources panel and feedback form refer to

        with gr.Row(equal_height=True):
            gr.HTML(HEADER, scale=4, js_on_load=COPY_JS)
            kb_status = gr.HTML(render.kb_status_html(None), scale=1, elem_id="pqa-kb-status")

        with gr.Tabs() as tabs:
            with gr.Tab("问答", id="chat"):
                with gr.Row():
                    with gr.Column(scale=7):
                        chatbot = gr.Chatbot(
                            elem_id="pqa-chat", show_label=False, height=560, render_markdown=False,
                            feedback_options=None, placeholder=PLACEHOLDER, buttons=[], autoscroll=True)
                        with gr.Row():
                            question = gr.Textbox(
                                elem_id="pqa-question", show_label=False, scale=8, lines=1, max_lines=4,
                                placeholder="输入问题，例如：蓬江区接管了多少个停车场？（回车提交）",
                                autofocus=True)
                            ask_btn = gr.Button("提问", variant="primary", scale=1, min_width=90,
                                                elem_id="pqa-ask")
                        gr.HTML('<div class="pqa-examples-label">试试这些问题：</div>')
                        with gr.Row(elem_classes=["pqa-examples"]):
                            example_btns = [gr.Button(q, size="sm", variant="secondary", scale=0, min_width=0,
                                                      elem_classes=["pqa-example"]) for q in EXAMPLES]
                            clear_btn = gr.Button("清空对话", size="sm", variant="secondary", scale=0,
                                                  min_width=0, elem_classes=["pqa-example", "pqa-clear"])
                            export_docx = gr.DownloadButton("导出 Word", size="sm", variant="secondary", scale=0,
                                                            min_width=0, interactive=False, elem_id="pqa-export-docx",
                                                            elem_classes=["pqa-example"])
                            export_md = gr.DownloadButton("导出 Markdown", size="sm", variant="secondary", scale=0,
                                                          min_width=0, interactive=False, elem_id="pqa-export-md",
                                                          elem_classes=["pqa-example"])
                        with gr.Column(variant="panel", elem_classes=["pqa-feedback"]):
                            with gr.Row(equal_height=False):
                                fb_note = gr.HTML(render.feedback_target_html(None, None), scale=3)
                                fb_right = gr.Button("✓ 正确", elem_id="pqa-fb-right", size="sm", scale=0,
                                                     min_width=90, interactive=False)
                                fb_wrong = gr.Button("✗ 错误", elem_id="pqa-fb-wrong", size="sm", scale=0,
                                                     min_width=90, interactive=False)
                                fb_undo = gr.Button("撤销", elem_id="pqa-fb-undo", size="sm", scale=0,
                                                    min_width=70, variant="secondary", visible=False)
                            with gr.Row():
                                fb_comment = gr.Textbox(label="说明（可选）", lines=1, max_lines=4, scale=1,
                                                        placeholder="哪里不对？正确答案是什么？")
                                fb_passage = gr.Dropdown(label="正确的段落（可选：从来源中选，或粘贴原文）",
                                                         scale=1, choices=[], allow_custom_value=True)
                    with gr.Column(scale=5):
                        with gr.Accordion("筛选与设置", open=False):
                            f_docs = gr.Dropdown(label="只在这些文档中查找", multiselect=True, choices=[])
                            with gr.Row():
                                f_places = gr.Dropdown(label="地区", multiselect=True, choices=[])
                                f_years = gr.Dropdown(label="年份", multiselect=True, choices=[])
                            top_k = gr.Slider(1, 20, value=5, step=1, label="显示的来源段落数")
                        sources = gr.HTML(render.sources_html(None), elem_id="pqa-sources",
                                          label="来源", show_label=False, js_on_load=OPEN_JS)
                        cite_box = gr.Textbox(label="答案与出处（可复制）", lines=2, max_lines=6, interactive=False,
                                              buttons=["copy"], elem_id="pqa-cite",
                                              placeholder="选中的回答和它的出处会以“答案”（《标题》 › 章节，第起–止字）列在这里")
            with gr.Tab("原文", id=DOC_TAB):
                back_btn = gr.Button("← 返回问答", size="sm", variant="secondary", scale=0, min_width=0,
                                     elem_id="pqa-back")
                doc_view = gr.HTML(render.document_html(None), elem_id="pqa-doc")
            with gr.Tab("知识库", id="kb"):
                with gr.Row():
                    with gr.Column(scale=3):
                        docs_table = gr.Dataframe(headers=DOC_HEADERS, value=[], interactive=False, wrap=True, elem_id="pqa-docs",
                                                  label="已收录的文件（点击一行可选中以删除）",
                                                  column_widths=["34%", "9%", "7%", "8%", "8%", "14%", "20%"])
                    with gr.Column(scale=2):
                        upload = gr.File(label="上传文件", file_count="multiple", file_types=UPLOAD_TYPES,
                                         elem_id="pqa-upload")
                        gr.HTML('<div class="pqa-hint">支持 .txt、.md、.docx、.pdf、.html。'
                                '加入后即可提问；无法读取、内容为空、过大或与已有文件重复的文件会被拒绝并说明原因。</div>')
                        upload_btn = gr.Button("加入知识库", variant="primary")
                        with gr.Column(visible=False, variant="panel", elem_id="pqa-name-prompt") as up_box:
                            up_note = gr.HTML("")
                            with gr.Row():
                                up_replace = gr.Button("替换原文件", variant="stop", size="sm", elem_id="pqa-up-replace")
                                up_keep = gr.Button("两份都保留", variant="primary", size="sm", elem_id="pqa-up-keep")
                                up_cancel = gr.Button("取消", variant="secondary", size="sm", elem_id="pqa-up-cancel")
                        kb_report = gr.HTML("")
                        with gr.Accordion("删除文件", open=False):
                            del_pick = gr.Dropdown(label="选择文件", choices=[])
                            del_btn = gr.Button("删除所选文件", variant="stop")
                            with gr.Column(visible=False, variant="panel", elem_id="pqa-delete-prompt") as del_box:
                                del_note = gr.HTML("")
                                with gr.Row():
                                    del_yes = gr.Button("确认删除", variant="stop", size="sm", elem_id="pqa-del-yes")
                                    del_no = gr.Button("取消", variant="secondary", size="sm", elem_id="pqa-del-no")
                        with gr.Accordion("详细报告（JSON）", open=False):
                            kb_json = gr.JSON(label="报告")
            build_tasks_tab(demo, engine_provider)

        # ---- events ----------------------------------------------------------------------------------
        ask_inputs = [question, chatbot, top_k, f_docs, f_places, f_years, answers]
        panel = [sources, cite_box, fb_passage, fb_note, fb_right, fb_wrong, fb_undo]  # Handlers._panel
        ask_outputs = [chatbot, answers, selected, *panel, question]
        gr.on([question.submit, ask_btn.click], h.ask_ui, ask_inputs, ask_outputs,
              api_visibility="private", show_progress="hidden")
        for btn, text in zip(example_btns, EXAMPLES):
            btn.click(lambda t=text: t, None, question, api_visibility="private", queue=False).then(
                h.ask_ui, ask_inputs, ask_outputs, api_visibility="private", show_progress="hidden")
        chatbot.select(h.select_reply, [answers], [selected, *panel], api_visibility="private")
        clear_outputs = [chatbot, answers, selected, *panel]
        clear_btn.click(h.clear_chat, None, clear_outputs, api_visibility="private", queue=False)
        chatbot.clear(h.clear_chat, None, clear_outputs, api_visibility="private", queue=False)
        sources.click(h.open_document, [answers, selected], [doc_view, tabs], api_visibility="private",
                      queue=False).then(None, None, None, js=SCROLL_JS)
        back_btn.click(lambda: gr.Tabs(selected="chat"), None, tabs, api_visibility="private", queue=False)
        answers.change(h.export, [answers], [export_docx, export_md], api_visibility="private", queue=False)
        fb_inputs = [answers, selected, fb_comment, fb_passage]
        fb_outputs = [fb_note, fb_comment, fb_passage, answers, fb_right, fb_wrong, fb_undo]  # FEEDBACK_OUTPUTS
        fb_right.click(lambda *a: h.give_feedback("right", *a), fb_inputs, fb_outputs, api_visibility="private")
        fb_wrong.click(lambda *a: h.give_feedback("wrong", *a), fb_inputs, fb_outputs, api_visibility="private")
        fb_undo.click(h.undo_feedback, [answers, selected], fb_outputs, api_visibility="private")

        kb_outputs = [docs_table, del_pick, f_docs, f_places, f_years, kb_status]
        demo.load(h.load, None, kb_outputs, api_visibility="private")
        # an upload named like a document already there, and any deletion, ask first (Handlers.upload, ask_delete)
        up_pending = gr.State(None)   # the files the replace-or-keep-both prompt holds
        del_pending = gr.State(None)  # the document the delete prompt names
        up_outputs = [kb_report, kb_json, upload, *kb_outputs, up_box, up_note, up_pending]  # UPLOAD_OUTPUTS
        kb_write: dict[str, Any] = {"api_visibility": "private", "concurrency_limit": 1, "concurrency_id": KB_WRITE}
        upload_btn.click(h.upload, [upload], up_outputs, show_progress_on=[upload], **kb_write)
        up_replace.click(h.upload_replace, [up_pending], up_outputs, show_progress_on=[upload], **kb_write)
        up_keep.click(h.upload_keep_both, [up_pending], up_outputs, show_progress_on=[upload], **kb_write)
        up_cancel.click(h.upload_cancel, None, up_outputs, api_visibility="private", queue=False)
        del_btn.click(h.ask_delete, [del_pick], [del_box, del_note, del_pending], api_visibility="private")
        del_no.click(h.cancel_delete, None, [del_box, del_note, del_pending], api_visibility="private", queue=False)
        del_yes.click(h.delete, [del_pending], [kb_report, kb_json, *kb_outputs, del_box, del_note, del_pending],
                      show_progress_on=[docs_table], **kb_write)  # DELETE_OUTPUTS
        docs_table.select(h.pick_row, None, del_pick, api_visibility="private", queue=False)

        # ---- API (gradio_client / REST): plain values in, the engine's dicts out ------------------------
        gr.api(h.ask_api, api_name="ask", concurrency_limit=ASK_API_CONCURRENCY, concurrency_id="ask-api")
        with gr.Column(visible=False):  # files need a File component to be uploaded by the client
            api_files = gr.File(file_count="multiple", label="files")
            api_report = gr.JSON(label="report")
            api_add = gr.Button("add_documents")
        api_add.click(h.add_documents_api, [api_files], [api_report], api_name="add_documents",
                      concurrency_limit=1, concurrency_id=KB_WRITE)
        gr.api(h.delete_api, api_name="delete_document", concurrency_limit=1, concurrency_id=KB_WRITE)
        gr.api(h.documents_api, api_name="documents")

    return demo


def launch_kwargs() -> dict[str, Any]:
    """Arguments of ``launch()``: the look of the page (Gradio 6 moved theme and css there), the extra
    ``/gradio.js`` route that lets other pages embed the app as a web component without the internet, and the
    middleware that keeps the page Chinese whatever the browser's language (``webui.locale``)."""
    from starlette.middleware import Middleware

    from webui import style
    from webui.locale import ChinesePageMiddleware

    return {"theme": style.theme(), "css": style.CSS,
            "app_kwargs": {"routes": web_component_routes(), "middleware": [Middleware(ChinesePageMiddleware)]}}


def web_component_routes() -> list[Any]:
    """``GET /gradio.js``: Gradio's own web-component loader, served by this app.

    The loader is the same file Gradio publishes on its CDN; it imports ``./assets/index-<hash>.js`` relative
    to its own address, which the app already serves, so ``<script type="module" src="http://HOST:PORT/gradio.js">``
    plus ``<gradio-app src="http://HOST:PORT/">`` works on a closed network.
    """
    from importlib.resources import files

    from starlette.responses import Response
    from starlette.routing import Route

    loader = files("gradio").joinpath("templates/frontend/gradio.js").read_text(encoding="utf-8")

    async def gradio_js(request: Any) -> Response:
        return Response(loader, media_type="text/javascript", headers={"Cache-Control": "no-cache"})

    return [Route("/gradio.js", gradio_js, methods=["GET"])]
