"""This installation's public key for course packs (made on first use), and trusting
another installation's.

    manage.py pack_keys                       # print this installation's public key
    manage.py pack_keys --trust NAME KEY      # accept packs signed by KEY
"""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from ...models import TrustedPackKey
from ...services.keys import own_public_key


class Command(BaseCommand):
    help = "Show this installation's pack-signing public key, or trust another's."

    def add_arguments(self, parser):
        parser.add_argument("--trust", nargs=2, metavar=("NAME", "KEY"))

    def handle(self, trust=None, **options):
        if trust:
            name, key = trust
            row = TrustedPackKey(name=name, public_key=key)
            try:
                row.full_clean()
            except ValidationError as error:
                raise CommandError("; ".join(error.messages)) from None
            row.save()
            self.stdout.write(f"trusted {row}")
            return
        self.stdout.write(own_public_key())
