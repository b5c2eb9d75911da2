"""Believable Kobe departments, dials, categories and contractors for demos and tests."""

from departments.models import CannedReply, Contractor, Department, RelatedAgency
from tickets.models import Category, Dial

DEPARTMENTS = [
    # code, name, phone
    ("eisei-kanshi", "健康局 衛生監視事務所", "078-322-6796"),
    ("dobutsu", "健康局 動物管理センター", "078-741-8111"),
    ("kankyo-gyomu", "環境局 業務課", "078-595-6195"),
    ("kankyo-higashi", "環境局 東環境事業所", "078-841-2154"),
    ("kensetsu-tobu", "建設局 東部建設事務所", "078-861-7711"),
    ("kensetsu-seibu", "建設局 西部建設事務所", "078-691-4191"),
    ("kensetsu-kita", "建設局 北建設事務所", "078-593-4141"),
    ("kasen", "建設局 河川課", "078-322-5422"),
    ("jitensha", "建設局 自転車対策課", "078-322-5408"),
]

DIALS = [
    # code, name, phone, categories: (code, name, department code)
    (
        "hygiene",
        "食品衛生・環境衛生・動物衛生ダイヤル",
        "078-322-6796",
        [
            ("food-poisoning", "食中毒の疑い", "eisei-kanshi"),
            ("food-foreign-matter", "食品への異物混入", "eisei-kanshi"),
            ("restaurant-hygiene", "飲食店の衛生", "eisei-kanshi"),
            ("pests", "害虫・ねずみ", "eisei-kanshi"),
            ("dogs-cats", "犬・猫に関する相談", "dobutsu"),
        ],
    ),
    (
        "clean110",
        "クリーン110番",
        "078-595-6110",
        [
            ("illegal-dumping", "不法投棄", "kankyo-gyomu"),
            ("missed-collection", "ごみの収集漏れ", "kankyo-higashi"),
            ("bulky-waste", "粗大ごみ", "kankyo-gyomu"),
            ("dead-animal", "動物の死体の回収", "kankyo-higashi"),
        ],
    ),
    (
        "roads",
        "道路・公園・河川・放置自転車ダイヤル",
        "078-322-5555",
        [
            ("road-damage", "道路の陥没・損傷", "kensetsu-tobu"),
            ("streetlight", "街灯・カーブミラー", "kensetsu-tobu"),
            ("park-equipment", "公園遊具の破損", "kensetsu-seibu"),
            ("park-trees", "公園・街路の樹木", "kensetsu-kita"),
            ("river", "河川・水路", "kasen"),
            ("abandoned-bicycle", "放置自転車", "jitensha"),
        ],
    ),
]

CONTRACTORS = [
    # name, email, departments, categories
    (
        "神戸道路補修株式会社",
        "repair@kobe-doro.example",
        ["kensetsu-tobu", "kensetsu-seibu"],
        ["road-damage", "streetlight"],
    ),
    (
        "六甲公園設備サービス",
        "service@rokko-park.example",
        ["kensetsu-seibu", "kensetsu-kita"],
        ["park-equipment", "park-trees"],
    ),
    ("須磨環境クリーン", "info@suma-clean.example", ["kankyo-higashi"], ["dead-animal"]),
]

RELATED_AGENCIES = [
    # name, email, phone
    ("兵庫県 神戸土木事務所", "kobe-doboku@pref.hyogo.example", "078-737-2111"),
    ("国土交通省 兵庫国道事務所", "hyogo-kokudo@mlit.example", "078-334-1600"),
    ("兵庫県警察（最寄りの警察署）", "", "110"),
    ("関西電力送配電", "", "0800-777-3081"),
    ("大阪ガス", "", "0120-0-19424"),
    ("NTT西日本", "", "113"),
]

CANNED_REPLIES = [
    # category code, title, text
    (
        "road-damage",
        "現地確認のうえ補修",
        "現地を確認し、補修を手配しました。工事の日程が決まり次第、対応いたします。",
    ),
    (
        "road-damage",
        "国道のため移管",
        "ご連絡の場所は国道のため、国土交通省 兵庫国道事務所へ引継ぎました。",
    ),
    ("streetlight", "街灯の修理手配", "街灯の修理を業者に依頼しました。"),
]


def seed_departments() -> None:
    departments = {}
    for code, name, phone in DEPARTMENTS:
        departments[code], _ = Department.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "phone": phone,
                "notification_emails": f"{code}@city.kobe.example",
                "active": True,
            },
        )
    categories = {}
    for order, (dial_code, dial_name, dial_phone, dial_categories) in enumerate(DIALS):
        dial, _ = Dial.objects.update_or_create(
            code=dial_code,
            defaults={"name": dial_name, "phone": dial_phone, "sort_order": order},
        )
        for category_order, (code, name, department_code) in enumerate(dial_categories):
            categories[code], _ = Category.objects.update_or_create(
                code=code,
                defaults={
                    "dial": dial,
                    "name": name,
                    "department": departments[department_code],
                    "sort_order": category_order,
                },
            )
    for name, email, department_codes, category_codes in CONTRACTORS:
        contractor, _ = Contractor.objects.update_or_create(
            name=name, defaults={"email": email, "active": True}
        )
        contractor.departments.set([departments[c] for c in department_codes])
        contractor.categories.set([categories[c] for c in category_codes])
    for order, (name, email, phone) in enumerate(RELATED_AGENCIES):
        RelatedAgency.objects.update_or_create(
            name=name, defaults={"email": email, "phone": phone, "sort_order": order}
        )
    for order, (category_code, title, text) in enumerate(CANNED_REPLIES):
        CannedReply.objects.update_or_create(
            category=categories[category_code],
            department=None,
            title=title,
            defaults={"text": text, "sort_order": order},
        )
