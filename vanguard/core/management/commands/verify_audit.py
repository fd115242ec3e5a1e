"""Check the audit trail's hash chain; print its head for recording outside the system."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from vanguard.core import audit


class Command(BaseCommand):
    help = (
        "Verify the audit trail's hash chain and the sealed rows against it (exit 1 naming the first break "
        "and every row that disagrees), or print its head."
    )

    def add_arguments(self, parser):
        parser.add_argument("--head", action="store_true", help="print the chain head (SEQ HASH) and nothing else")
        parser.add_argument(
            "--expect-head",
            metavar="SEQ:HASH",
            help="also check that the entry SEQ recorded earlier still has HASH (catches deleted newest entries)",
        )

    def handle(self, *args, **options):
        if options["head"]:
            seq, digest = audit.head()
            self.stdout.write(f"{seq} {digest}")
            return
        broken, count, _head = audit.verify()
        if broken is not None:
            raise CommandError(f"The audit trail is broken at {broken}. {count} entries before it are intact.")
        if options["expect_head"]:
            self._check_recorded(options["expect_head"])
        problems = audit.run_checks()
        if problems:
            listed = "\n".join(f"  {problem}" for problem in problems[:50])
            more = f"\n  … and {len(problems) - 50} more" if len(problems) > 50 else ""
            raise CommandError(
                f"The audit trail's chain is intact ({count} entries), but rows disagree with it:\n{listed}{more}"
            )
        seq, digest = audit.head()
        self.stdout.write(f"The audit trail is intact: {count} entries, head {seq} {digest}")

    def _check_recorded(self, recorded: str) -> None:
        try:
            seq_text, digest = recorded.replace(" ", ":").split(":", 1)
            seq = int(seq_text)
        except ValueError as exc:
            raise CommandError("--expect-head takes SEQ:HASH as printed by --head") from exc
        from vanguard.core.models import AuditEntry

        found = AuditEntry.objects.filter(seq=seq).values_list("hash", flat=True).first()
        if found is None:
            raise CommandError(f"The recorded head #{seq} is no longer in the trail: newer entries were deleted.")
        if found != digest:
            raise CommandError(f"Entry #{seq} no longer has the recorded hash: the trail was rewritten.")
