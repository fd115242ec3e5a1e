"""Django's admin, for superusers only: offices and secretaries work in the scoped pages."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from vanguard.accounts.models import RoleAssignment, User


def _superuser_only(request) -> bool:
    return request.user.is_active and request.user.is_superuser


admin.site.has_permission = _superuser_only


class RoleInline(admin.TabularInline):
    model = RoleAssignment
    raw_id_fields = ["organisation"]
    extra = 0


@admin.register(User)
class VanguardUserAdmin(UserAdmin):
    inlines = [RoleInline]
    raw_id_fields = ["member"]
    fieldsets = UserAdmin.fieldsets + ((None, {"fields": ["member", "must_change_password"]}),)
