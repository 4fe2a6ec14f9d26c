from wagtail import hooks

from .admin_views import package_chooser_viewset, package_viewset


@hooks.register("register_admin_viewset")
def register_package_viewsets():
    return [package_viewset, package_chooser_viewset]
