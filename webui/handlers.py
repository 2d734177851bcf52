"""Event handlers of the web UI. They call the engine and turn its results and typed errors into UI values."""
from __future__ import annotations

import logging
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import gradio as gr

from index.errors import PolicyQAError
from qa.config import MAX_TOP_K, QAOptions, check_top_k
from qa.knowledge_base import free_doc_id
from webui import export, render
from webui.feedback import FeedbackLog

if TYPE_CHECKING:
    from webui.answer_pool import AnswerPool

log = logging.getLogger(__name__)

DOC_HEADERS = ["标题", "地区", "年份", "段落数", "字数", "加入时间", "文档 ID"]
INTERNAL_ERROR = "内部错误，问题已记录在服务器日志中，请稍后重试。"
DOC_TAB = "doc"
NO_FILES = "请先选择要上传的文件（.txt、.md、.docx、.pdf、.html）。"
NO_DOCUMENT = "请先在列表中点击一行，或在“选择文件”中选出要删除的文档。"
ASK_OUTPUTS = 11  # chatbot, answers, selected, the seven values of the sources panel, the question box
FEEDBACK_OUTPUTS = 7  # feedback title, comment, passage, answers, ✓, ✗, 撤销
EXPORT_KEEP_SECONDS = 3600  # exported files are served from Gradio's cache; our copies go after an hour
UPLOAD_OUTPUTS = 12  # report, JSON, upload box, the six knowledge-base values, the name prompt, its text, its files
DELETE_OUTPUTS = 11  # report, JSON, the six knowledge-base values, the delete prompt, its text, its document


ERROR_TITLE = "出错了"
NOTICE_TITLE = "提示"
# "（PdfStreamError）", "：UnicodeDecodeError。": a class name means nothing to the user
_EXC_IN_PARENS = re.compile(r"[（(]\s*[A-Za-z_][\w.]*(?:Error|Exception)\s*[）)]")
_EXC_AFTER_COLON = re.compile(r"[：:]\s*[A-Za-z_][\w.]*(?:Error|Exception)(?:\s*[：:][^。]*)?(?=[。.]|$)")


def plain(message: Any) -> str:
    """A message without Python exception class names (the engine's typed errors sometimes name one)."""
    text = _EXC_IN_PARENS.sub("（文件可能已损坏，或不是这种格式）", str(message))
    return _EXC_AFTER_COLON.sub("", text)


def _message(exc: BaseException) -> str:
    """The Chinese message of a typed error; a generic one (details go to the log) for anything else."""
    if isinstance(exc, PolicyQAError):
        return plain(exc)
    log.exception("unexpected error in a UI handler", exc_info=exc)
    return INTERNAL_ERROR


def user_error(message: str) -> gr.Error:
    """An error toast titled in Chinese; the server log gets one line, not a traceback (it is expected)."""
    log.info("refused: %s", message)
    return gr.Error(message, title=ERROR_TITLE, print_exception=False)


def notify(message: str) -> None:
    """A warning toast titled in Chinese, for a click that had nothing to act on."""
    log.info("notice: %s", message)
    gr.Warning(message, title=NOTICE_TITLE)


def _prompt_closed() -> tuple:
    """A prompt box hidden, its text emptied, what it held forgotten."""
    return gr.update(visible=False), "", None


def _paths(files: list[Any] | None) -> list[Path]:
    """The paths of an upload: Gradio gives file paths (or objects or dicts with a ``path``)."""
    return [Path(f if isinstance(f, (str, Path)) else getattr(f, "path", None) or f["path"]) for f in files or []]


def _added_at(value: Any) -> str:
    if value in (None, ""):
        return ""
    if isinstance(value, (int, float)):
        return datetime.fromtimestamp(value).strftime("%Y-%m-%d %H:%M")
    text = str(value)
    try:
        return datetime.fromisoformat(text).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return text


def filter_choices(docs: list[dict[str, Any]]) -> dict[str, list]:
    """The chat filters' choices from the document list: documents, places and years."""
    places = sorted({p for d in docs for p in (d.get("places") or [d.get("place")]) if p})
    years = sorted({d["year"] for d in docs if d.get("year")})
    return {"doc_ids": [(d.get("title") or d["doc_id"], d["doc_id"]) for d in docs], "places": places, "years": years}


def _doc_label(title: str, doc_id: str) -> str:
    return f"{title}（{doc_id}）" if title and title != doc_id else doc_id


class Handlers:
    def __init__(self, engine_provider: Callable[[], Any], feedback: FeedbackLog,
                 answer_pool: AnswerPool | None = None) -> None:
        self.engine = engine_provider
        self.feedback = feedback
        self.answer_pool = answer_pool  # questions answered in worker processes
        self._export_dir: Path | None = None

    # ---- answering -------------------------------------------------------------------------------------

    def _answer(self, question: str, options: QAOptions) -> dict:
        """The engine's answer dict: from a worker process when the app has them, else from the app's engine."""
        if self.answer_pool is not None:
            return self.answer_pool.answer(question, options)
        return self.engine().answer(question, options).to_dict()

    def _follow_index(self) -> None:
        """With answer workers, which follow the index folder at each question, the app's own engine follows it
        too: the documents a worker cites can be opened (原文) and filtered on (a database engine follows its own)."""
        if self.answer_pool is not None:
            refresh = getattr(self.engine(), "refresh_folder", None)
            if refresh is not None:
                refresh()

    def ask_api(self, question: str, top_k: int = 5, doc_ids: list[str] | None = None,
                places: list[str] | None = None, years: list[int] | None = None) -> dict:
        """Answer a question from the policy documents.

        Returns the engine's answer dict: no_answer, message, answer (text, score, citations with
        doc_id/title/section/start/end/quote) and the top passages with highlight offsets.
        """
        options = self._options(top_k, doc_ids, places, years)
        try:
            self._follow_index()
            kb = self.engine().knowledge_base
            unknown = [d for d in options.doc_ids if kb.document(d) is None]
            if unknown:
                raise PolicyQAError("知识库中没有文档：" + "、".join(unknown) + "（可用 /documents 查看已有文档的 doc_id）")
            return self._answer(question if isinstance(question, str) else "", options)
        except Exception as exc:  # noqa: BLE001 - shown to the caller as a clear message, never a traceback
            raise user_error(_message(exc)) from None

    @staticmethod
    def _options(top_k: Any, doc_ids: Any, places: Any, years: Any) -> QAOptions:
        try:
            k = check_top_k(int(top_k))
        except (TypeError, ValueError):
            raise user_error(f"top_k 必须是 1 到 {MAX_TOP_K} 之间的整数，当前值为 {top_k!r}") from None
        try:
            year_list = [int(y) for y in (years or [])]
        except (TypeError, ValueError):
            raise user_error(f"年份必须是整数，当前值为 {years!r}") from None
        return QAOptions(top_k=k, doc_ids=[str(d) for d in doc_ids or []],
                         places=[str(p) for p in places or []], years=year_list)

    def ask_ui(self, question: str, history: list[dict], top_k: int, doc_ids: list[str], places: list[str],
               years: list[int], answers: list[dict]) -> Iterator[tuple]:
        """Chat submit: show the question at once, then the reply, its sources and copyable citations."""
        question = question or ""
        if not question.strip():  # an accidental Enter: say so, keep the conversation as it is
            notify("请输入问题。")
            yield (gr.skip(),) * ASK_OUTPUTS
            return
        history = list(history or [])
        answers = list(answers or [])
        history.append({"role": "user", "content": render.question_html(question)})
        history.append({"role": "assistant", "content": '<div class="pqa-pending">正在查找文档…</div>'})
        yield (history, *(gr.skip(),) * (ASK_OUTPUTS - 2), "")
        try:
            self._follow_index()
            ans = self._answer(question, self._options(top_k, doc_ids, places, years))
        except gr.Error as exc:
            ans = None
            history[-1]["content"] = render.error_html(str(exc.message))
        except Exception as exc:  # noqa: BLE001
            ans = None
            history[-1]["content"] = render.error_html(_message(exc))
        if ans is None:
            answers.append({"question": question, "no_answer": True, "error": True, "passages": []})
        else:
            history[-1]["content"] = render.reply_html(ans)
            answers.append(ans)
        selected = len(answers) - 1
        yield (history, answers, selected, *self._panel(answers, selected), "")

    @staticmethod
    def _panel(answers: list[dict], index: int) -> tuple:
        """Sources, copy box, passage picker, feedback title, the two verdict buttons and 撤销 for one reply."""
        ans = answers[index] if 0 <= index < len(answers) else None
        if ans and ans.get("error"):
            ans = None
        number = index + 1 if ans else None
        verdict = (ans or {}).get("feedback", "")
        return (render.sources_html(ans, number),
                render.citations_text(ans),
                gr.update(choices=render.passage_choices(ans), value=None),
                render.feedback_target_html(ans, number),
                *Handlers._verdict_buttons(ans is not None, verdict))

    @staticmethod
    def _verdict_buttons(enabled: bool, verdict: str) -> tuple:
        """✓ and ✗: usable once per reply, the one chosen stays marked; 撤销 shows while a verdict stands."""
        def button(name: str) -> Any:
            return gr.update(interactive=enabled and not verdict,
                             variant="primary" if verdict == name else "secondary")
        return button("right"), button("wrong"), gr.update(visible=enabled and bool(verdict))

    def select_reply(self, answers: list[dict], evt: gr.SelectData) -> tuple:
        """Clicking a message shows the sources of that question/answer pair and targets it for feedback."""
        index = int(evt.index if isinstance(evt.index, int) else evt.index[0]) // 2
        index = min(max(index, 0), len(answers or []) - 1)
        return (index, *self._panel(answers or [], index))

    def clear_chat(self) -> tuple:
        return ([], [], -1, *self._panel([], -1))

    # ---- the original document ---------------------------------------------------------------------------

    def open_document(self, answers: list[dict], selected: int, evt: gr.EventData) -> tuple:
        """查看原文 in the sources panel: the whole document, at the cited span, in the 原文 tab."""
        data = getattr(evt, "_data", None) or {}
        doc_id = str(data.get("doc_id") or "")
        if not doc_id:  # a click elsewhere in the panel
            return gr.skip(), gr.skip()
        try:
            start, end = int(data.get("start") or 0), int(data.get("end") or 0)
        except (TypeError, ValueError):
            start = end = 0
        try:
            doc = self.engine().knowledge_base.document(doc_id)
        except Exception as exc:  # noqa: BLE001
            notify(_message(exc))
            return gr.skip(), gr.skip()
        if doc is None:
            notify(f"知识库中已没有这份文档：{doc_id}")
            return gr.skip(), gr.skip()
        ans = answers[selected] if answers and 0 <= selected < len(answers) else {}
        also = next((list(p.get("also_published_as") or []) for p in ans.get("passages") or []
                     if p.get("doc_id") == doc_id and p.get("also_published_as")), [])
        kind = "cite" if data.get("kind") == "cite" else "passage"
        return render.document_html(doc, start, end, kind, also), gr.Tabs(selected=DOC_TAB)

    # ---- export ----------------------------------------------------------------------------------------

    def export(self, answers: list[dict]) -> tuple:
        """The two download buttons: the conversation so far as .docx and .md (disabled while it is empty)."""
        answers = answers or []
        if not answers:
            return (gr.update(value=None, interactive=False),) * 2
        if self._export_dir is None:
            self._export_dir = Path(tempfile.mkdtemp(prefix="policyqa-export-"))
        for old in self._export_dir.iterdir():
            if old.stat().st_mtime < time.time() - EXPORT_KEEP_SECONDS:
                shutil.rmtree(old, ignore_errors=True)
        try:
            docx_path, md_path = export.export_files(answers, Path(tempfile.mkdtemp(dir=self._export_dir)))
        except Exception as exc:  # noqa: BLE001 - export is a convenience: say so, keep the chat working
            log.exception("export failed")
            notify(f"导出失败：{_message(exc)}")
            return (gr.update(value=None, interactive=False),) * 2
        return gr.update(value=str(docx_path), interactive=True), gr.update(value=str(md_path), interactive=True)

    # ---- feedback --------------------------------------------------------------------------------------

    def give_feedback(self, verdict: str, answers: list[dict], selected: int, comment: str,
                      correct_passage: str) -> tuple:
        """Record ✓ or ✗ for the selected reply, once (until 撤销); outputs: FEEDBACK_OUTPUTS."""
        answers = list(answers or [])
        if not 0 <= selected < len(answers):
            notify("请先提问，再评价回答。")
            return (gr.skip(),) * FEEDBACK_OUTPUTS
        ans = answers[selected]
        if ans.get("error"):
            notify("这一问出错了，没有可评价的回答。")
            return (gr.skip(),) * FEEDBACK_OUTPUTS
        if ans.get("feedback"):
            notify(f"第{selected + 1}问已经评价过了；要改，请先点“撤销”。")
            return (gr.skip(),) * FEEDBACK_OUTPUTS
        a = ans.get("answer") or {}
        try:
            record = self.feedback.append(
                question=ans.get("question", ""), answer=a.get("text", ""), citations=a.get("citations") or [],
                verdict=verdict, comment=(comment or "").strip(), correct_passage=(correct_passage or "").strip())
        except OSError as exc:
            log.exception("cannot write feedback")
            raise user_error(f"反馈未能保存：{exc.strerror or exc}") from None
        answers[selected] = {**ans, "feedback": verdict, "feedback_id": record["id"]}
        label = "正确" if verdict == "right" else "错误"
        return (render.feedback_done_html(selected + 1, label), "", gr.update(value=None), answers,
                *self._verdict_buttons(True, verdict))

    def undo_feedback(self, answers: list[dict], selected: int) -> tuple:
        """撤销: withdraw the selected reply's verdict (a retraction in the log) so ✓ and ✗ can be chosen again;
        outputs: FEEDBACK_OUTPUTS."""
        answers = list(answers or [])
        ans = answers[selected] if 0 <= selected < len(answers) else {}
        if not ans.get("feedback"):
            notify("这条回答还没有评价，没有可撤销的。")
            return (gr.skip(),) * FEEDBACK_OUTPUTS
        try:
            if ans.get("feedback_id"):
                self.feedback.retract(ans["feedback_id"], ans.get("question", ""))
        except OSError as exc:
            log.exception("cannot write feedback")
            raise user_error(f"撤销未能保存：{exc.strerror or exc}") from None
        answers[selected] = {k: v for k, v in ans.items() if k not in ("feedback", "feedback_id")}
        return (render.feedback_undone_html(selected + 1), gr.skip(), gr.skip(), answers,
                *self._verdict_buttons(True, ""))

    # ---- knowledge base --------------------------------------------------------------------------------

    def _documents(self) -> list[dict[str, Any]]:
        return self.engine().knowledge_base.documents()

    def _kb_updates(self, docs: list[dict[str, Any]]) -> tuple:
        """Document table, delete picker and the three chat filters, from the engine's current state."""
        rows = [[d.get("title", ""), d.get("place", ""), d.get("year") or "", d.get("chunks", 0),
                 d.get("chars", 0), _added_at(d.get("added_at")), d.get("doc_id", "")] for d in docs]
        choices = filter_choices(docs)
        doc_choices = [(_doc_label(t, i), i) for t, i in choices["doc_ids"]]
        return (
            gr.update(value=rows, headers=DOC_HEADERS),
            gr.update(choices=doc_choices, value=None),
            gr.update(choices=doc_choices),
            gr.update(choices=list(choices.get("places", []))),
            gr.update(choices=list(choices.get("years", []))),
            render.kb_status_html(docs),
        )

    def load(self) -> tuple:
        """Page load: fill the document table and filters (opens the engine if start-up did not)."""
        try:
            return self._kb_updates(self._documents())
        except Exception as exc:  # noqa: BLE001
            msg = _message(exc)
            notify(msg)
            return (gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip(), render.kb_status_html(None, msg))

    @staticmethod
    def _public_report(report: dict[str, Any]) -> dict[str, Any]:
        """The engine's report, with each refused file as {"file", "reason"}: a dict with a "path" key would be
        taken for a file to download by gradio_client."""
        out = dict(report)
        out["skipped"] = [{"file": Path(str(s.get("path", ""))).name, "reason": plain(s.get("reason", ""))}
                          for s in report.get("skipped") or []]
        return out

    def _add(self, paths: list[Path], progress: Callable[..., Any], on_existing: str = "replace") -> dict[str, Any]:
        if not paths:
            raise user_error(NO_FILES)
        progress(0.0, desc="准备建立索引…")
        try:
            report = self.engine().knowledge_base.add_files(
                paths, progress=lambda frac, desc="": progress(float(frac), desc=desc), on_existing=on_existing)
        except Exception as exc:  # noqa: BLE001
            raise user_error(_message(exc)) from None
        return self._public_report(report)

    def add_documents_api(self, files: list[Any] | None, progress: gr.Progress = gr.Progress()) -> dict:
        """Add files to the knowledge base; returns {"added", "updated", "skipped": [{"file", "reason"}], ...}.
        A file named like a document already there replaces it."""
        return self._add(_paths(files), progress)

    def upload(self, files: list[Any] | None, progress: gr.Progress = gr.Progress()) -> tuple:
        """加入知识库: index the uploaded files; when one is named like a document already there (with other text),
        ask first whether to replace it or keep both (the prompt holds the files until a choice is made)."""
        if not files:
            notify(NO_FILES)
            return (gr.skip(),) * UPLOAD_OUTPUTS
        paths = _paths(files)
        try:
            kb = self.engine().knowledge_base
            conflicts = kb.name_conflicts(paths)
            taken = {d["doc_id"] for d in self._documents()}
        except Exception as exc:  # noqa: BLE001
            raise user_error(_message(exc)) from None
        if not conflicts:
            return self._upload(paths, "replace", progress)
        for conflict in conflicts:
            conflict["new_name"] = free_doc_id(conflict["doc_id"], taken)
            taken.add(conflict["new_name"])
        return (*(gr.skip(),) * (UPLOAD_OUTPUTS - 3), gr.update(visible=True), render.name_conflict_html(conflicts),
                [str(p) for p in paths])

    def upload_replace(self, pending: list[str] | None, progress: gr.Progress = gr.Progress()) -> tuple:
        """替换原文件: the files of the prompt, each replacing the document of its name."""
        return self._resolve(pending, "replace", progress)

    def upload_keep_both(self, pending: list[str] | None, progress: gr.Progress = gr.Progress()) -> tuple:
        """两份都保留: the files of the prompt, a file named like a document added beside it (政策（2）.docx)."""
        return self._resolve(pending, "keep_both", progress)

    def upload_cancel(self) -> tuple:
        """取消: nothing is added; the files stay in the upload box (to rename them, say)."""
        report = render.report_html({"cancelled": True})
        return (report, *(gr.skip(),) * (UPLOAD_OUTPUTS - 4), *_prompt_closed())

    def _resolve(self, pending: list[str] | None, on_existing: str, progress: Callable[..., Any]) -> tuple:
        if not pending:
            notify(NO_FILES)
            return (gr.skip(),) * (UPLOAD_OUTPUTS - 3) + _prompt_closed()
        return self._upload([Path(p) for p in pending], on_existing, progress)

    def _upload(self, paths: list[Path], on_existing: str, progress: Callable[..., Any]) -> tuple:
        report = self._add(paths, progress, on_existing)
        try:
            docs = self._documents()
        except Exception as exc:  # noqa: BLE001
            raise user_error(_message(exc)) from None
        if report["skipped"] and not (report.get("added") or report.get("updated")):
            notify("文件未加入知识库：" + "；".join(s["reason"] for s in report["skipped"]))
        return (render.report_html(report, "加入", {d["doc_id"]: d for d in docs}), report, None,
                *self._kb_updates(docs), *_prompt_closed())

    def _delete(self, doc_id: str | None, progress: Callable[..., Any]) -> dict[str, Any]:
        if not doc_id:
            raise user_error(NO_DOCUMENT)
        progress(0.0, desc="正在删除…")
        try:
            report = dict(self.engine().knowledge_base.delete_document(doc_id, progress=lambda f, d="": progress(float(f), desc=d)))
        except Exception as exc:  # noqa: BLE001
            raise user_error(_message(exc)) from None
        if not (report.get("deleted") or report.get("removed")):
            report["removed"] = [doc_id]
        return self._public_report(report)

    def delete_api(self, doc_id: str) -> dict:
        """Remove one document (by doc_id) from the knowledge base; returns the engine's report."""
        return self._delete(doc_id, lambda *a, **k: None)

    def ask_delete(self, doc_id: str | None) -> tuple:
        """删除所选文件: ask before deleting (outputs: the prompt box, its text, the document it is about)."""
        if not doc_id:
            notify(NO_DOCUMENT)
            return (gr.skip(),) * 3
        try:
            doc = next((d for d in self._documents() if d["doc_id"] == doc_id), None)
        except Exception as exc:  # noqa: BLE001
            raise user_error(_message(exc)) from None
        if doc is None:
            notify(f"知识库中已没有这份文档：{doc_id}")
            return (gr.skip(),) * 3
        return gr.update(visible=True), render.delete_prompt_html(doc), doc_id

    def cancel_delete(self) -> tuple:
        return _prompt_closed()

    def delete(self, doc_id: str | None, progress: gr.Progress = gr.Progress()) -> tuple:
        """确认删除: delete the document the delete prompt names, and close the prompt."""
        if not doc_id:
            notify(NO_DOCUMENT)
            return (gr.skip(),) * (DELETE_OUTPUTS - 3) + _prompt_closed()
        try:
            before = {d["doc_id"]: d for d in self._documents()}
        except Exception as exc:  # noqa: BLE001
            raise user_error(_message(exc)) from None
        report = self._delete(doc_id, progress)
        try:
            docs = self._documents()
        except Exception as exc:  # noqa: BLE001
            raise user_error(_message(exc)) from None
        return (render.report_html(report, "删除", before), report, *self._kb_updates(docs), *_prompt_closed())

    def documents_api(self) -> list[dict]:
        """The documents of the knowledge base: doc_id, title, place, year, kind, chunks, added_at, chars."""
        try:
            return self._documents()
        except Exception as exc:  # noqa: BLE001
            raise user_error(_message(exc)) from None

    def pick_row(self, evt: gr.SelectData) -> Any:
        """Clicking a table row selects that document in the delete picker."""
        row = evt.row_value or []
        return gr.update(value=row[-1]) if row and row[-1] else gr.skip()
