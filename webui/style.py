"""Theme and CSS of the web UI (Gradio 6 takes both in ``launch()``)."""
from __future__ import annotations

import gradio as gr

# System fonts only: nothing is fetched from the internet, so the page renders the same on closed networks.
CJK_FONTS = ["PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", "Noto Sans CJK SC", "Noto Sans SC",
             "Source Han Sans SC", "WenQuanYi Micro Hei", "system-ui", "sans-serif"]
MONO_FONTS = ["SFMono-Regular", "Menlo", "Consolas", "Noto Sans Mono CJK SC", "monospace"]


def theme() -> gr.themes.Base:
    return gr.themes.Soft(
        primary_hue=gr.themes.colors.red,
        secondary_hue=gr.themes.colors.amber,
        neutral_hue=gr.themes.colors.slate,
        font=CJK_FONTS,
        font_mono=MONO_FONTS,
        radius_size=gr.themes.sizes.radius_md,
    ).set(
        body_background_fill="#f6f7f9",
        body_background_fill_dark="#0f1115",
        block_shadow="0 1px 2px rgba(15, 23, 42, .06)",
        button_primary_background_fill="#b91c1c",
        button_primary_background_fill_hover="#991b1b",
        button_primary_text_color="#ffffff",
        block_label_background_fill="*neutral_100",
        block_label_background_fill_dark="*neutral_800",
        block_label_text_color="*neutral_600",
        block_label_text_color_dark="*neutral_300",
        block_title_text_color="*neutral_700",
        block_title_text_color_dark="*neutral_200",
    )


CSS = """
.gradio-container { max-width: 1320px !important; margin: 0 auto !important; }
footer { opacity: .7; }

/* header */
.pqa-header { display: flex; align-items: center; gap: 14px; padding: 6px 2px 2px; }
.pqa-logo { width: 44px; height: 44px; border-radius: 10px; background: #b91c1c; color: #fff;
            display: flex; align-items: center; justify-content: center; font-size: 24px; font-weight: 700;
            box-shadow: 0 2px 6px rgba(185, 28, 28, .35); flex: none; }
.pqa-header h1 { margin: 0 !important; font-size: 26px !important; letter-spacing: 2px; }
.pqa-header p { max-width: none !important; margin: 2px 0 0 !important; color: var(--body-text-color-subdued); font-size: 14px; }
.pqa-status { text-align: right; color: var(--body-text-color-subdued); font-size: 13px; padding-top: 18px; }
.pqa-status-error { color: #b91c1c; }

/* example question buttons */
.pqa-examples-label { font-size: 13px; color: var(--body-text-color-subdued); padding: 6px 0 0 2px; }
.pqa-examples { flex-wrap: wrap !important; gap: 8px !important; }
button.pqa-example { font-weight: 400 !important; border-radius: 999px !important; flex: 0 1 auto !important;
                     min-width: 0 !important; white-space: nowrap; }
button.pqa-clear { margin-left: auto !important; color: var(--body-text-color-subdued) !important; }

/* chat replies */
.pqa-reply { line-height: 1.75; font-size: 15px; }
.pqa-reply p { margin: 4px 0; }
.pqa-label { font-size: 12px; font-weight: 600; letter-spacing: 1px; color: var(--body-text-color-subdued);
             margin: 8px 0 2px; }
.pqa-label:first-child { margin-top: 0; }
.pqa-answer { font-size: 17px; font-weight: 600; margin-bottom: 4px; }
.pqa-part { margin: 4px 0 8px; }
.pqa-part-q { font-size: 13px; color: var(--body-text-color-subdued); }
.pqa-part-none .pqa-none-text { margin: 0; }
mark.pqa-hl { background: #fde68a; color: #1f2937; padding: 1px 3px; border-radius: 3px;
              box-decoration-break: clone; -webkit-box-decoration-break: clone; }
.pqa-ref { color: #b91c1c; font-weight: 600; margin-left: 2px; font-size: 11px; }
ol.pqa-cites, ol.pqa-related { margin: 2px 0 0; padding-left: 0; list-style: none; }
ol.pqa-cites li, ol.pqa-related li { margin: 6px 0; padding: 6px 10px; border-left: 3px solid #f59e0b;
             background: rgba(245, 158, 11, .07); border-radius: 0 6px 6px 0; }
ol.pqa-related li { border-left-color: #94a3b8; background: rgba(148, 163, 184, .10); }
.pqa-num { color: #b91c1c; font-weight: 700; }
.pqa-title { font-weight: 600; }
.pqa-section { margin-left: 4px; color: var(--body-text-color-subdued); }
.pqa-chip { display: inline-block; margin-left: 6px; padding: 0 7px; font-size: 12px; line-height: 20px;
            border-radius: 999px; background: rgba(100, 116, 139, .14); color: var(--body-text-color); }
.pqa-loc { font-size: 12px; color: var(--body-text-color-subdued); }
.pqa-quote, .pqa-snippet { font-size: 13px; color: var(--body-text-color-subdued); margin-top: 2px; }
.pqa-none-label { color: #b45309; }
.pqa-none-text { font-weight: 600; }
.pqa-message { color: var(--body-text-color-subdued); font-size: 14px; }
.pqa-error .pqa-label { color: #b91c1c; }
ul.pqa-notes { margin: 6px 0 0; padding-left: 18px; font-size: 13px; color: var(--body-text-color-subdued); }
.pqa-cut { color: var(--body-text-color-subdued); font-size: 13px; }
.pqa-pending { color: var(--body-text-color-subdued); animation: pqa-pulse 1.2s ease-in-out infinite; }
@keyframes pqa-pulse { 50% { opacity: .4; } }
.pqa-placeholder { text-align: center; color: var(--body-text-color-subdued); padding: 40px 12px; line-height: 1.9; }
.pqa-placeholder b { color: var(--body-text-color); font-size: 18px; }

/* sources panel */
.pqa-sources { max-height: 640px; overflow-y: auto; padding-right: 4px; }
.pqa-sources-head { font-weight: 600; margin-bottom: 8px; font-size: 14px; }
.pqa-sources-sub { font-size: 13px; color: #b45309; margin: -4px 0 8px; }
.pqa-empty { color: var(--body-text-color-subdued); font-size: 14px; line-height: 1.8; padding: 8px 2px; }
.pqa-src { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 10px 12px;
           margin-bottom: 10px; background: var(--block-background-fill); }
.pqa-src-cited { border-color: #f59e0b; box-shadow: 0 0 0 1px rgba(245, 158, 11, .35); }
.pqa-src-meta { display: flex; flex-wrap: wrap; align-items: center; gap: 2px; font-size: 13px; margin-bottom: 6px; }
.pqa-rank { display: inline-flex; width: 20px; height: 20px; border-radius: 50%; background: #334155; color: #fff;
            font-size: 12px; align-items: center; justify-content: center; margin-right: 6px; }
.pqa-badge { margin-left: 6px; padding: 0 6px; font-size: 12px; line-height: 20px; border-radius: 4px;
             background: #fef3c7; color: #92400e; font-weight: 600; }
.pqa-src-text { font-size: 14px; line-height: 1.8; white-space: normal; }
.pqa-src-loc, .pqa-also { font-size: 12px; color: var(--body-text-color-subdued); margin-top: 4px; }

/* 查看原文 and the document view */
.pqa-src-loc { display: flex; align-items: center; gap: 8px; }
button.pqa-open { margin-left: auto; border: 1px solid var(--border-color-primary); border-radius: 6px;
                  background: var(--block-background-fill); color: #b91c1c; font-size: 12px; padding: 1px 8px;
                  cursor: pointer; }
button.pqa-open:hover { background: #fef2f2; }
.pqa-doc-head { font-size: 18px; margin-bottom: 4px; }
.pqa-doc-where, .pqa-doc-meta { font-size: 13px; color: var(--body-text-color-subdued); margin: 2px 0; }
.pqa-doc-text { max-height: 70vh; overflow-y: auto; margin-top: 10px; padding: 12px 16px; font-size: 15px;
                line-height: 1.9; border: 1px solid var(--border-color-primary); border-radius: 8px;
                background: var(--block-background-fill); }
mark.pqa-near { background: #e2e8f0; color: inherit; padding: 1px 2px; border-radius: 3px; }

/* feedback and knowledge base */
.pqa-feedback { margin-top: 6px; }
.pqa-fb-title { font-weight: 600; font-size: 15px; padding: 2px 2px 0; }
.pqa-fb-target { font-size: 13px; color: var(--body-text-color-subdued); padding: 0 2px; }
.pqa-feedback-done { color: #15803d; font-size: 13px; padding: 0 2px; }
.pqa-copy-row { margin-top: 6px; }
.pqa-copy-text { display: none; }
.pqa-copy { font-size: 12px; padding: 2px 10px; border: 1px solid var(--border-color-primary); border-radius: 6px;
            background: var(--background-fill-secondary); color: var(--body-text-color-subdued); cursor: pointer; }
.pqa-copy:hover { color: var(--body-text-color); }
.pqa-copy.pqa-copied { color: #15803d; border-color: #15803d; }
.pqa-report ul { margin: 0; padding-left: 18px; line-height: 1.8; }
.pqa-report li.pqa-ok { color: #15803d; }
.pqa-report li.pqa-bad { color: #b91c1c; }
.pqa-report-meta { font-size: 12px; color: var(--body-text-color-subdued); margin-top: 4px; }
.pqa-prompt { font-size: 14px; line-height: 1.7; }
.pqa-prompt ul { margin: 4px 0; padding-left: 18px; }
.pqa-hint { font-size: 13px; color: var(--body-text-color-subdued); line-height: 1.7; }
.pqa-conf { font-weight: 500; font-size: 12px; border-radius: 10px; padding: 1px 8px; margin-left: 6px; }
.pqa-conf-high { background: #dcfce7; color: #166534; }
.pqa-conf-mid { background: #fef9c3; color: #854d0e; }
.pqa-conf-low { background: #fee2e2; color: #991b1b; }
/* Gradio titles its toasts with the English type ("Error", "Warning") whatever the language and the title
   given to gr.Error/gr.Warning: show a Chinese title instead (webui.handlers.ERROR_TITLE / NOTICE_TITLE) */
.toast-title.error, .toast-title.warning, .toast-title.info, .toast-title.success { font-size: 0 !important; }
.toast-title.error::before, .toast-title.warning::before, .toast-title.info::before,
.toast-title.success::before { font-size: var(--text-md); }
.toast-title.error::before { content: "出错了"; }
.toast-title.warning::before { content: "提示"; }
.toast-title.info::before { content: "消息"; }
.toast-title.success::before { content: "完成"; }
.pqa-why { font-size: 13px; color: var(--body-text-color-subdued); margin-top: 6px; }
.pqa-why summary { cursor: pointer; }
"""
