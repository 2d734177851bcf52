"""Web UI of 政策问答 (Gradio 6): layout, event handlers, HTML rendering, feedback log and settings.

`app.py` is the entry point; `webui.blocks.build_demo` builds the page.
"""
