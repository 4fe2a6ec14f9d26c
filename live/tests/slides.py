"""Real PDFs for the slide tests."""

from django.core.files.uploadedfile import SimpleUploadedFile
from weasyprint import HTML


def make_pdf(pages: int, name: str = "bai-giang.pdf") -> SimpleUploadedFile:
    body = "".join(
        f'<section style="page-break-after: always"><h1>Trang {n}</h1></section>'
        for n in range(1, pages + 1)
    )
    return SimpleUploadedFile(name, HTML(string=body).write_pdf(), content_type="application/pdf")
