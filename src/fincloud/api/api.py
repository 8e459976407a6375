"""The NinjaAPI instance; issue 9 adds its routers, authentication and error handlers here."""

from ninja import NinjaAPI

api = NinjaAPI(title="fincloud API", version="1", urls_namespace="api")
