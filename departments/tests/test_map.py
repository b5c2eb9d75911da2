"""The department map's data: points when few, grid cells counted in SQL when many."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.fixtures import activity_write_not_due
from tickets.models import Case
from tickets.tests.factories import make_case

MAP = reverse("departments:map_data")
BOX = "135.2,34.7,135.3,34.75"  # 8 × 8 cells of 0.00625° latitude by 0.0125° longitude


@pytest.fixture
def few_points(monkeypatch):
    """Cluster from four cases on, so that a handful of cases is "many"."""
    monkeypatch.setattr("departments.views.MAP_MAX_POINTS", 3)


def spread(operator, count: int, **fields) -> list[Case]:
    """Cases in different cells of BOX, one per cell along the diagonal and beyond."""
    return [
        make_case(
            operator,
            title=f"地図の件 {number}",
            latitude=34.701 + (number % 8) * 0.00625,
            longitude=135.201 + (number % 8) * 0.0125,
            **fields,
        )
        for number in range(count)
    ]


def test_points_are_the_visible_open_cases_in_the_box(login_client, operator, staff_tobu, kobe):
    mine = spread(operator, 3)
    closed = make_case(operator, latitude=34.72, longitude=135.25)
    Case.objects.filter(pk=closed.pk).update(status=Case.Status.CLOSED)
    make_case(operator, latitude=34.72, longitude=135.25, department=kobe["kensetsu-seibu"])
    make_case(operator, latitude=34.80, longitude=135.25)  # north of the box
    make_case(operator)  # no position
    data = login_client(staff_tobu).get(MAP + "?bbox=" + BOX).json()
    assert data["total"] == 3 and data["clusters"] == []
    assert {point["id"] for point in data["points"]} == {case.pk for case in mine}
    assert set(data["points"][0]) == {
        "id",
        "lat",
        "lng",
        "status",
        "reference",
        "title",
        "urgent",
        "overdue",
        "url",
    }


def test_cluster_counts_add_up_to_the_visible_open_cases(
    login_client, operator, staff_tobu, kobe, few_points
):
    spread(operator, 10)  # cells 0–7 of the diagonal, the first two hold two cases each
    closed = make_case(operator, latitude=34.701, longitude=135.201)
    Case.objects.filter(pk=closed.pk).update(status=Case.Status.CLOSED)
    make_case(operator, latitude=34.701, longitude=135.201, department=kobe["kensetsu-seibu"])
    make_case(operator, latitude=34.69, longitude=135.25)  # south of the box
    data = login_client(staff_tobu).get(MAP + "?bbox=" + BOX).json()
    assert data["points"] == []
    assert data["total"] == 10 == sum(cluster["count"] for cluster in data["clusters"])
    assert sorted(cluster["count"] for cluster in data["clusters"]) == [1] * 6 + [2] * 2
    assert set(data["clusters"][0]) == {"lat", "lng", "count"}


def test_a_cluster_sits_at_the_mean_of_its_cases(login_client, operator, staff_tobu, few_points):
    for latitude, longitude in [(34.701, 135.201), (34.703, 135.205), (34.705, 135.209)]:
        make_case(operator, latitude=latitude, longitude=longitude)  # all in the first cell
    make_case(operator, latitude=34.749, longitude=135.299)
    data = login_client(staff_tobu).get(MAP + "?bbox=" + BOX).json()
    first = next(cluster for cluster in data["clusters"] if cluster["count"] == 3)
    assert first["lat"] == pytest.approx(34.703) and first["lng"] == pytest.approx(135.205)


def test_cases_on_the_north_and_east_edges_are_counted(
    login_client, operator, staff_tobu, few_points
):
    for longitude in (135.2, 135.25, 135.3, 135.3):
        make_case(operator, latitude=34.75, longitude=longitude)
    data = login_client(staff_tobu).get(MAP + "?bbox=" + BOX).json()
    assert data["total"] == 4 == sum(cluster["count"] for cluster in data["clusters"])
    assert len(data["clusters"]) == 3  # the corner cell holds both cases on the east edge


def test_another_department_sees_none_of_them(login_client, operator, staff_seibu, few_points):
    spread(operator, 5)
    data = login_client(staff_seibu).get(MAP + "?bbox=" + BOX).json()
    assert data == {"total": 0, "points": [], "clusters": []}


@pytest.mark.parametrize("who", ["operator", "supervisor", "admin_user"])
def test_map_data_is_for_department_staff_only(request, login_client, who):
    client = login_client(request.getfixturevalue(who))
    assert client.get(MAP + "?bbox=" + BOX).status_code == 403


def test_clusters_are_counted_by_the_database_in_a_fixed_number_of_queries(
    login_client, operator, staff_tobu, few_points, django_assert_max_num_queries
):
    client = login_client(staff_tobu)
    spread(operator, 4)
    with django_assert_max_num_queries(3) as four:
        client.get(MAP + "?bbox=" + BOX)
    spread(operator, 12)
    with activity_write_not_due(), CaptureQueriesContext(connection) as sixteen:
        data = client.get(MAP + "?bbox=" + BOX).json()
    assert sum(cluster["count"] for cluster in data["clusters"]) == 16
    assert len(sixteen.captured_queries) == len(four.captured_queries)
    map_sql = [q["sql"] for q in sixteen.captured_queries if "tickets_case" in q["sql"]]
    # One aggregate, and no case row (no title, no reference) leaves the database.
    assert len(map_sql) == 1 and "GROUP BY" in map_sql[0] and "title" not in map_sql[0]


def test_points_cost_a_fixed_number_of_queries(
    login_client, operator, staff_tobu, django_assert_max_num_queries
):
    client = login_client(staff_tobu)
    spread(operator, 1)
    with django_assert_max_num_queries(4) as one:
        client.get(MAP + "?bbox=" + BOX)
    spread(operator, 8)
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert len(client.get(MAP + "?bbox=" + BOX).json()["points"]) == 9


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL plans")
def test_the_cells_are_counted_from_the_index_alone(staff_tobu, operator):
    """The aggregate must stay answerable by case_open_map_idx without reading the table."""
    from departments.services import open_cases_map
    from tickets.access import cases_visible_to

    spread(operator, 2)
    with CaptureQueriesContext(connection) as captured:
        open_cases_map(
            cases=cases_visible_to(staff_tobu),
            west=135.2,
            south=34.7,
            east=135.3,
            north=34.75,
            max_points=200,
            grid=8,
        )
    aggregate = next(q["sql"] for q in captured.captured_queries if "GROUP BY" in q["sql"])
    with connection.cursor() as cursor:
        # On a table of a few rows the planner may take any index (it took the department
        # index when other tests had left stale statistics). Inside this test's transaction
        # (rolled back), only the map index remains: it must answer without the table.
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'tickets_case' "
            "AND indexname <> 'case_open_map_idx' "
            "AND indexname NOT IN (SELECT conname FROM pg_constraint)"
        )
        for (name,) in cursor.fetchall():
            cursor.execute(f'DROP INDEX "{name}"')
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute("EXPLAIN " + aggregate)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Index Only Scan using case_open_map_idx" in plan, plan
