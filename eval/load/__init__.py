"""Load benchmark of the web app (``python -m eval.load``): ``run`` starts ``app.py`` and runs locust
headless with the users of ``locustfile.py``, then reports latency percentiles and errors."""
