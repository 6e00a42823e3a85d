from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from tenants.models import Membership, PlanStatus, Tenant, User


class MembershipInline(admin.TabularInline[Membership, Tenant]):
    model = Membership
    extra = 0


@admin.register(Tenant)
class TenantAdmin(admin.ModelAdmin[Tenant]):
    list_display = ("name", "slug", "plan_status", "trial_ends_at")
    inlines = (MembershipInline,)
    actions = ("activate_plan",)

    @admin.action(description="Activate the plan (ends the trial, flows run again)")
    def activate_plan(self, request: HttpRequest, queryset: QuerySet[Tenant]) -> None:
        queryset.update(plan_status=PlanStatus.ACTIVE)


@admin.register(User)
class UserAdmin(admin.ModelAdmin[User]):
    list_display = ("email", "is_staff", "date_joined")
    search_fields = ("email",)
    exclude = ("password",)
