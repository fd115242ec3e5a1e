from django.contrib import admin

from vanguard.members.models import Member, Transfer


@admin.register(Member)
class MemberAdmin(admin.ModelAdmin):
    list_display = ["name", "gender", "category", "status", "organisation", "id_number_masked"]
    list_filter = ["category", "status"]
    search_fields = ["name"]
    raw_id_fields = ["organisation", "host_organisation"]


admin.site.register(Transfer)
