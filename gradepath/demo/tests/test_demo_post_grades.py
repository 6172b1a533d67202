"""The demo's posts have a grade history that agrees with the pay history (policy §3.4)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from gradepath.demo.builder import build_demo_university
from gradepath.grades.models import PayRecord
from gradepath.people.models import Appointment, Post, PostGrade

pytestmark = pytest.mark.django_db


def test_every_demo_post_has_a_grade_history_that_agrees_with_its_grade_in_force_and_its_holders_pay():
    today = timezone.localdate()
    build_demo_university(staff=150, today=today, jds=0, cases=0)  # the builder's own lines: fast
    posts = list(Post.objects.with_grade_on(today))
    assert posts and all(PostGrade.objects.live().filter(post=p).exists() for p in posts[:50])
    assert [p.post_number for p in posts if p.grade_on_id != p.grade_id] == []  # the column is today's grade
    regrades = PayRecord.objects.filter(reason=PayRecord.Reason.REGRADE, note__startswith="Regraded from")
    assert regrades.exists()
    for record in regrades.select_related("post"):
        before = record.effective_from - dt.timedelta(days=1)
        post = Post.objects.with_grade_on(before).get(pk=record.post_id)
        paid_before = PayRecord.objects.as_of(before).filter(person=record.person_id).first()
        assert post.grade_on_id == paid_before.grade_id, record.post.post_number
        assert Post.objects.with_grade_on(record.effective_from).get(pk=record.post_id).grade_on_id == record.grade_id
    first = {a.post_id: a.start_date for a in Appointment.objects.order_by("-start_date")}
    lines = PostGrade.objects.filter(reason=PostGrade.Reason.ESTABLISHED).select_related("post")
    vacancies = [x for x in lines if x.post_id not in first]
    assert all(x.effective_from <= today for x in vacancies)  # established this pay year
    assert [x.post.post_number for x in lines if x.post_id in first and x.effective_from != first[x.post_id]] == []
