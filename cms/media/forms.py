"""The media library's upload form (wagtailmedia's screens): the file is probed before
it is kept, and a new file starts processing once the form is saved."""

from django import forms
from django.db import transaction
from wagtailmedia.forms import BaseMediaForm

from lms.errors import ServiceError

from .services import media_asset_source_replaced, media_upload_check


class MediaAssetForm(BaseMediaForm):
    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload is None or "file" not in self.changed_data:
            return upload
        try:
            self.probed = media_upload_check(upload, expected=self.instance.type or None)
        except ServiceError as error:
            raise forms.ValidationError(error.message, code=error.code) from None
        return upload

    def save(self, commit=True):
        probed = getattr(self, "probed", None)
        if not commit or probed is None:
            return super().save(commit=commit)
        with transaction.atomic():
            asset = super().save(commit=True)
            media_asset_source_replaced(asset, probed)
        return asset
