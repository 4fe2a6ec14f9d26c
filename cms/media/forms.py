"""The media library's upload form (wagtailmedia's screens): the file is probed before
it is kept, and a new file starts processing once the form is saved. A large file may
come in pieces first (cms.media.uploads); the form then names the upload instead."""

from django import forms
from django.core.files import File
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from wagtailmedia.forms import BaseMediaForm

from lms.errors import ServiceError

from .probe import media_probe
from .services import media_asset_source_replaced, media_upload_check
from .uploads import media_upload_complete_file, media_upload_discard


class MediaAssetForm(BaseMediaForm):
    resumable_upload = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        # Who is uploading (the base form takes the argument and keeps only its effect).
        self.user = kwargs.get("user")
        super().__init__(*args, **kwargs)
        if self.data.get("resumable_upload") and "file" in self.fields:
            # The file came in pieces: the form names it instead of carrying it.
            self.fields["file"].required = False
        self._upload = None

    def _said(self) -> str | None:
        return self.instance.type if self.instance.type in ("audio", "video") else None

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload is None or "file" not in self.changed_data:
            return upload
        try:
            self.probed = media_upload_check(upload, expected=self._said())
        except ServiceError as error:
            raise forms.ValidationError(error.message, code=error.code) from None
        # Added as "media" (kind unsaid): the file says which it is.
        self.instance.type = self._said() or self.probed.kind
        return upload

    def clean(self):
        cleaned = super().clean()
        upload_id = cleaned.get("resumable_upload")
        if upload_id and not self.files.get("file"):
            try:
                self._upload, path = media_upload_complete_file(
                    owner=self.user, upload_id=upload_id
                )
            except ServiceError as error:
                self.add_error("file", error.message)
                return cleaned
            try:
                self.probed = media_probe(path, expected=self._said())
            except ServiceError as error:
                # A file refused is of no use to anyone: its pieces go now.
                media_upload_discard(self._upload)
                self._upload = None
                self.add_error("file", error.message)
                return cleaned
            self.instance.type = self._said() or self.probed.kind
            cleaned["file"] = File(path.open("rb"), name=self._upload.filename)
        elif not cleaned.get("file") and not self.instance.pk:
            self.add_error("file", _("Hãy chọn tệp video hoặc âm thanh."))
        return cleaned

    def save(self, commit=True):
        probed = getattr(self, "probed", None)
        if not commit or probed is None:
            return super().save(commit=commit)
        with transaction.atomic():
            asset = super().save(commit=True)
            media_asset_source_replaced(asset, probed)
        if self._upload is not None:
            self.cleaned_data["file"].close()
            media_upload_discard(self._upload)
        return asset
