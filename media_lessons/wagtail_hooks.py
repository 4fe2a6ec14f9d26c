from wagtail import hooks

from .services import media_played


@hooks.register("media_asset_played")
def record_that_the_server_served_it(asset, request):
    # The evidence a media item's completion rests on: its playlist went to this learner.
    if request.user.is_authenticated:
        media_played(learner=request.user, asset=asset)
