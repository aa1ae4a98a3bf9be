"""The HTTP service: insights, forecasts and explanations of one environment, with a dashboard page.

``create_app(settings)`` in :mod:`da_platform.api.app` builds the FastAPI application; nothing here runs at
import (the app, its connections and its key store are made by that call).
"""
