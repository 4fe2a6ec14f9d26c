"""The packages in the Wagtail admin: a listing, an upload screen, an edit screen for
what a trainer may correct, and the chooser lesson blocks use.

Packages live in a course's collection like its images and video: Wagtail's collection
permission policy, fed by the course group's rows, decides every screen, so a trainer
sees, chooses, edits and deletes only the packages of the courses they teach.
"""

from django import forms
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms.collections import CollectionChoiceField
from wagtail.admin.views.generic import chooser as chooser_views
from wagtail.admin.views.generic import models as model_views
from wagtail.admin.viewsets.chooser import ChooserViewSet
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.models import Collection
from wagtail.permission_policies.collections import CollectionPermissionPolicy
from wagtail.permissions import register_permission_policy

from .archive import PackageError
from .models import Package
from .services.packages import package_create

package_permission_policy = CollectionPermissionPolicy(Package)
register_permission_policy(Package, package_permission_policy)


def _packages_for(user, actions: list[str]):
    return package_permission_policy.instances_user_has_any_permission_for(user, actions)


class PackageUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Tệp gói (.h5p hoặc .zip SCORM)"),
        help_text=_(
            "Gói H5P, hoặc gói SCORM 1.2/2004 xuất từ công cụ soạn bài giảng (tệp .zip có "
            "imsmanifest.xml)."
        ),
    )
    title = forms.CharField(
        label=_("Tiêu đề"),
        max_length=255,
        required=False,
        help_text=_("Để trống để dùng tiêu đề trong gói."),
    )
    collection = CollectionChoiceField(
        label=_("Khóa học (bộ sưu tập)"), queryset=Collection.objects.none()
    )

    def __init__(self, *args, user=None, **kwargs):
        # ModelViewSet passes the model form's arguments; only the data matter here.
        kwargs.pop("instance", None)
        kwargs.pop("for_user", None)
        super().__init__(*args, **kwargs)
        collections = package_permission_policy.collections_user_has_permission_for(user, "add")
        self.fields["collection"].queryset = collections
        # A trainer of one course has nothing to choose.
        if len(collections[:2]) == 1:
            self.fields["collection"].initial = collections[0].pk


class PackageIndexView(model_views.IndexView):
    def get_base_queryset(self):
        return _packages_for(self.request.user, ["change", "delete"]).select_related("collection")


class PackageUploadView(model_views.CreateView):
    def get_form_class(self):
        return PackageUploadForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        return kwargs

    def get_form(self, form_class=None):
        return PackageUploadForm(**self.get_form_kwargs())

    def get_bound_panel(self, form):
        return None

    def form_valid(self, form):
        self.form = form
        try:
            self.object = package_create(
                source=form.cleaned_data["file"],
                collection=form.cleaned_data["collection"],
                user=self.request.user,
                title=form.cleaned_data["title"],
            )
        except PackageError as error:
            form.add_error("file", error.message)
            self.produced_error_code = "validation_error"
            self.produced_error_message = self.get_error_message()
            return self.form_invalid(form)
        return self.save_action()


class _InstanceChecked:
    permission_for_instance = "change"

    def get_object(self, queryset=None):
        instance = super().get_object(queryset)
        if not package_permission_policy.user_has_permission_for_instance(
            self.request.user, self.permission_for_instance, instance
        ):
            raise PermissionDenied
        return instance


class PackageEditView(_InstanceChecked, model_views.EditView):
    pass


class PackageDeleteView(_InstanceChecked, model_views.DeleteView):
    permission_for_instance = "delete"


class PackageViewSet(ModelViewSet):
    model = Package
    icon = "pick"
    add_to_admin_menu = True
    menu_label = _("Bài tập H5P/SCORM")
    menu_order = 260
    list_display = ["title", "kind", "collection", "created_at"]
    list_filter = ["kind"]
    search_fields = ["title"]
    form_fields = ["title", "scored", "pass_percent"]
    index_view_class = PackageIndexView
    add_view_class = PackageUploadView
    edit_view_class = PackageEditView
    delete_view_class = PackageDeleteView
    copy_view_enabled = False
    inspect_view_enabled = False


class _ScopedChooser:
    def get_object_list(self):
        return _packages_for(self.request.user, ["choose", "change"]).order_by("-created_at")


class PackageChooseView(_ScopedChooser, chooser_views.ChooseView):
    pass


class PackageChooseResultsView(_ScopedChooser, chooser_views.ChooseResultsView):
    pass


class PackageChooserViewSet(ChooserViewSet):
    model = Package
    icon = "pick"
    choose_one_text = _("Chọn bài tập H5P/SCORM")
    choose_another_text = _("Chọn bài tập khác")
    edit_item_text = _("Sửa bài tập")
    choose_view_class = PackageChooseView
    choose_results_view_class = PackageChooseResultsView
    per_page = 20


package_viewset = PackageViewSet("packages")
package_chooser_viewset = PackageChooserViewSet("package_chooser")
