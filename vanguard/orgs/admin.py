from django.contrib import admin

from vanguard.orgs.models import Organisation, Reorganisation


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "sector", "code", "depth"]
    search_fields = ["name", "code"]
    list_filter = ["kind", "sector"]
    raw_id_fields = ["parent"]
    readonly_fields = ["path", "depth"]


admin.site.register(Reorganisation)
