"""About forty believable Kobe FAQ entries across the three dials, with some usage."""

from datetime import datetime, timedelta

from django.utils import timezone

from departments.models import Department
from faq.models import FaqEntry, FaqRevision, SimpleCall, UnansweredSearch
from kobepost.accounts.models import User
from kobepost.lib.textfold import fold
from tickets.models import Category, Dial

# dial, category (or ""), department, question, answer, keywords
ENTRIES = [
    # --- クリーン110番 ---
    (
        "clean110",
        "bulky-waste",
        "kankyo-gyomu",
        "粗大ごみの出し方を知りたい",
        "粗大ごみは事前申込制です。粗大ごみ受付センター（電話またはインターネット）で申し込み、"
        "案内された収集日の朝8時までに、指定の場所へ出してください。手数料はコンビニ等で"
        "「粗大ごみ処理券」を購入して品物に貼ります。",
        "大型ごみ 家具 ソファ 申込",
    ),
    (
        "clean110",
        "bulky-waste",
        "kankyo-gyomu",
        "粗大ごみの手数料はいくらですか",
        "品目により300円から1,500円です（例: 布団300円、タンス大1,500円）。"
        "受付センターで申し込むときに金額をご案内します。",
        "料金 処理券 値段",
    ),
    (
        "clean110",
        "bulky-waste",
        "kankyo-gyomu",
        "粗大ごみを自分で持ち込みたい",
        "環境局の各環境事業所・クリーンセンターへ自己搬入できます（事前予約制・有料、10kgごと）。"
        "受付時間は平日9時から16時です。",
        "持ち込み 自己搬入 クリーンセンター",
    ),
    (
        "clean110",
        "bulky-waste",
        "kankyo-gyomu",
        "エアコン・テレビ・冷蔵庫・洗濯機を処分したい",
        "家電リサイクル法の対象品は粗大ごみでは収集できません。買い替えるお店か購入したお店に"
        "引き取りを依頼するか、指定引取場所へ持ち込んでください。",
        "家電 リサイクル 冷蔵庫 洗濯機",
    ),
    (
        "clean110",
        "missed-collection",
        "kankyo-higashi",
        "ごみが収集されていない（取り残し）",
        "収集日の当日、収集時間を過ぎても残っている場合は、地域の環境事業所へ連絡します。"
        "分別違反のシールが貼られている場合は、分別し直して次の収集日に出してください。",
        "取り残し 収集漏れ 回収されない",
    ),
    (
        "clean110",
        "missed-collection",
        "kankyo-higashi",
        "燃えるごみの収集日を知りたい",
        "燃えるごみは週2回です。収集日は地域で異なるため、住所（町名）をお聞きして"
        "ごみ収集日カレンダーでご案内します。朝8時までに出してください。",
        "可燃ごみ 収集日 曜日",
    ),
    (
        "clean110",
        "missed-collection",
        "kankyo-higashi",
        "缶・びん・ペットボトルの出し方",
        "缶・びん・ペットボトルは週1回、透明または半透明の袋にまとめて出します。"
        "キャップとラベルはプラスチック資源へ。中は軽くすすいでください。",
        "資源ごみ 分別 ペットボトル",
    ),
    (
        "clean110",
        "illegal-dumping",
        "kankyo-gyomu",
        "空き地にごみが不法投棄されている",
        "場所（住所や目印）、捨てられている物、量をお聞きして環境局業務課へ引き継ぎます。"
        "私有地の場合は、原則として土地の管理者が処理します。",
        "不法投棄 捨てられている 空き地",
    ),
    (
        "clean110",
        "illegal-dumping",
        "kankyo-gyomu",
        "ごみステーションに他人がごみを捨てていく",
        "ステーションの管理はご町内（自治会）が行っています。注意喚起の看板は環境事業所で"
        "お渡しできます。繰り返される場合は案件として受け付けます。",
        "ステーション 看板 マナー",
    ),
    (
        "clean110",
        "dead-animal",
        "kankyo-higashi",
        "道路で猫が死んでいる",
        "道路上の動物の死体は環境事業所が回収します（無料）。場所と動物の種類・大きさを"
        "お聞きして案件として受け付けます。飼い犬・飼い猫の場合は有料です。",
        "死体 猫 犬 回収 轢かれた",
    ),
    (
        "clean110",
        "dead-animal",
        "kankyo-higashi",
        "飼っていたペットが死んだ",
        "環境事業所で引き取ります（有料・事前申込）。ご自宅の敷地に埋めることもできます。"
        "犬の場合は、死亡の届け出も必要です（動物管理センター）。",
        "ペット 死亡 火葬",
    ),
    (
        "clean110",
        "",
        "kankyo-gyomu",
        "カセットボンベ・スプレー缶の捨て方",
        "中身を使い切ってから、穴をあけずに「缶・びん・ペットボトル」とは別の透明袋に入れて"
        "燃えないごみの日に出してください。",
        "スプレー缶 ガスボンベ 危険",
    ),
    (
        "clean110",
        "",
        "kankyo-gyomu",
        "引っ越しで大量のごみが出る",
        "一時的に多量に出るごみは、粗大ごみ受付センターでの申込（臨時収集・有料）か、"
        "クリーンセンターへの自己搬入をご案内します。",
        "引っ越し 大量 臨時収集",
    ),
    (
        "clean110",
        "",
        "kankyo-gyomu",
        "乾電池・蛍光灯はどうやって捨てる",
        "乾電池・蛍光灯・水銀体温計は、区役所やスーパー等の拠点回収ボックスへ出してください。"
        "割れた蛍光灯は燃えないごみで出せます。",
        "電池 蛍光管 拠点回収",
    ),
    # --- 食品衛生・環境衛生・動物衛生ダイヤル ---
    (
        "hygiene",
        "food-poisoning",
        "eisei-kanshi",
        "食中毒かもしれない（飲食店で食べた後に体調不良）",
        "まず医療機関を受診するようお勧めします。食べた店・日時・食べた物・症状・一緒に食べた人数"
        "（個人名は不要）をお聞きして、衛生監視事務所へ引き継ぎます。",
        "食中毒 腹痛 下痢 嘔吐",
    ),
    (
        "hygiene",
        "food-poisoning",
        "eisei-kanshi",
        "家庭での食中毒を防ぐには",
        "つけない（手洗い）・増やさない（冷蔵）・やっつける（加熱）が基本です。"
        "肉は中心部まで75℃で1分以上加熱してください。",
        "予防 加熱 手洗い",
    ),
    (
        "hygiene",
        "food-foreign-matter",
        "eisei-kanshi",
        "買った食品に異物が入っていた",
        "現物と購入時のレシートを保管していただき、購入店・製品名・異物の様子をお聞きして"
        "衛生監視事務所へ引き継ぎます。",
        "異物 混入 髪の毛 虫",
    ),
    (
        "hygiene",
        "restaurant-hygiene",
        "eisei-kanshi",
        "飲食店の衛生状態が悪い",
        "店名・所在地・気付いた点（厨房が不潔、ねずみを見た等）をお聞きして、"
        "衛生監視事務所へ引き継ぎます。調査結果は個別にはお伝えしていません。",
        "不衛生 厨房 店",
    ),
    (
        "hygiene",
        "restaurant-hygiene",
        "eisei-kanshi",
        "飲食店の営業許可を取りたい",
        "営業許可の申請は各区の衛生監視事務所で受け付けています。施設の工事前に図面を持って"
        "事前相談してください。",
        "営業許可 開業 申請",
    ),
    (
        "hygiene",
        "pests",
        "eisei-kanshi",
        "ハチの巣を駆除してほしい",
        "個人の敷地内のハチの巣は、所有者の方が駆除業者に依頼してください（市では駆除していません）。"
        "公園や道路の場合は、その施設の管理者へ引き継ぎます。",
        "蜂 スズメバチ 巣 駆除",
    ),
    (
        "hygiene",
        "pests",
        "eisei-kanshi",
        "ねずみが出て困っている",
        "家屋内のねずみ対策は、侵入口をふさぐ・餌を置かないことが基本です。"
        "駆除は専門業者へご依頼ください。対策のパンフレットをお送りできます。",
        "鼠 ネズミ 駆除",
    ),
    (
        "hygiene",
        "pests",
        "eisei-kanshi",
        "ゴキブリ・ダニの相談",
        "衛生害虫の相談は衛生監視事務所で受けています。薬剤の使い方や予防方法をご案内します。",
        "害虫 ダニ ゴキブリ",
    ),
    (
        "hygiene",
        "dogs-cats",
        "dobutsu",
        "犬の登録をしたい",
        "生後91日以上の犬は、飼い始めてから30日以内に登録が必要です（手数料3,000円）。"
        "区役所または動物管理センターで手続きできます。狂犬病の予防注射も毎年必要です。",
        "犬 登録 鑑札 狂犬病",
    ),
    (
        "hygiene",
        "dogs-cats",
        "dobutsu",
        "狂犬病の予防注射はいつどこで受ける",
        "毎年4月から6月に受けてください。4月には区内各所で集合注射を行っています。"
        "動物病院でも受けられます。注射済票の交付手数料は550円です。",
        "狂犬病 予防注射 注射済票",
    ),
    (
        "hygiene",
        "dogs-cats",
        "dobutsu",
        "野良猫に餌をあげている人がいて困る",
        "餌やりの方への指導は動物管理センターが行います。場所と状況をお聞きして引き継ぎます。"
        "地域猫活動の支援制度もご案内できます。",
        "野良猫 餌やり 地域猫",
    ),
    (
        "hygiene",
        "dogs-cats",
        "dobutsu",
        "迷い犬を保護した・犬がいなくなった",
        "動物管理センターで保護情報を照会できます。犬の特徴（犬種・毛色・首輪）と保護場所を"
        "お聞きして連絡します。警察署への届け出もお勧めします。",
        "迷子 迷い犬 保護 行方不明",
    ),
    (
        "hygiene",
        "dogs-cats",
        "dobutsu",
        "犬の鳴き声がうるさい",
        "飼い主への啓発は動物管理センターが行います（文書の投函など）。"
        "飼い主が分かる場合は場所をお聞きして引き継ぎます。",
        "鳴き声 騒音 吠える",
    ),
    (
        "hygiene",
        "",
        "eisei-kanshi",
        "井戸水の水質検査をしたい",
        "飲用井戸の水質検査は、登録検査機関で受けられます。検査機関の一覧をご案内します。",
        "井戸 水質検査",
    ),
    # --- 道路・公園・河川・放置自転車ダイヤル ---
    (
        "roads",
        "road-damage",
        "kensetsu-tobu",
        "道路の陥没・穴を見つけた",
        "危険な場合はすぐに受け付けます。場所（住所・目印）、大きさ、通行への影響をお聞きして"
        "所管の建設事務所へ引き継ぎます。夜間・休日も緊急対応します。",
        "陥没 穴 道路 舗装 損傷",
    ),
    (
        "roads",
        "road-damage",
        "kensetsu-tobu",
        "道路のひび割れ・段差でつまずいた",
        "場所と状況をお聞きして建設事務所へ引き継ぎます。けがをされた場合は、その旨もお伝えします"
        "（賠償の相談は建設事務所が行います）。",
        "段差 ひび割れ つまずく 転倒",
    ),
    (
        "roads",
        "road-damage",
        "kensetsu-tobu",
        "側溝のふたが壊れている",
        "側溝のふた（グレーチング）の破損は、場所をお聞きして建設事務所へ引き継ぎます。"
        "がたつきや音がする場合も同様です。",
        "側溝 グレーチング ふた",
    ),
    (
        "roads",
        "streetlight",
        "kensetsu-tobu",
        "街灯が切れている・点滅している",
        "電柱や街灯に付いている番号（管理番号）が分かれば教えてください。"
        "市の街灯か自治会の防犯灯かを確認し、管理者へ引き継ぎます。",
        "街灯 防犯灯 電球 点かない",
    ),
    (
        "roads",
        "streetlight",
        "kensetsu-tobu",
        "カーブミラーが曲がっている",
        "場所と向きをお聞きして建設事務所へ引き継ぎます。",
        "カーブミラー 反射鏡",
    ),
    (
        "roads",
        "park-equipment",
        "kensetsu-seibu",
        "公園の遊具が壊れている",
        "公園名と遊具の種類、壊れている様子をお聞きします。危険な場合は使用禁止の措置をとるよう"
        "建設事務所へすぐに引き継ぎます。",
        "遊具 ブランコ 滑り台 公園",
    ),
    (
        "roads",
        "park-trees",
        "kensetsu-kita",
        "街路樹の枝が伸びて信号が見えない",
        "場所をお聞きして建設事務所へ引き継ぎ、せん定を依頼します。",
        "街路樹 枝 せん定 剪定",
    ),
    (
        "roads",
        "park-trees",
        "kensetsu-kita",
        "台風で木が倒れている",
        "道路や公園の倒木は緊急対応します。場所と通行への影響をお聞きしてすぐに引き継ぎます。"
        "私有地の木は所有者の対応です。",
        "倒木 台風 木",
    ),
    (
        "roads",
        "river",
        "kasen",
        "川にごみが溜まっている・水路が詰まっている",
        "河川名や場所をお聞きして河川課へ引き継ぎます。大雨の前後は特に早めに対応します。",
        "川 水路 詰まり 河川",
    ),
    (
        "roads",
        "abandoned-bicycle",
        "jitensha",
        "放置自転車を撤去してほしい",
        "自転車放置禁止区域では、警告札を付けてから撤去します。区域外の場合は、場所と台数を"
        "お聞きして自転車対策課へ引き継ぎます。",
        "放置自転車 撤去 駐輪",
    ),
    (
        "roads",
        "abandoned-bicycle",
        "jitensha",
        "撤去された自転車を引き取りたい",
        "撤去された自転車は保管所で保管しています（保管期間1か月）。返還には本人確認書類と"
        "鍵、撤去保管料（自転車2,000円）が必要です。",
        "撤去 保管所 返還 引き取り",
    ),
    (
        "roads",
        "abandoned-bicycle",
        "jitensha",
        "駐輪場の場所を知りたい",
        "駅周辺の市営駐輪場をご案内します。利用料金は施設ごとに異なります。",
        "駐輪場 自転車 駅",
    ),
    (
        "roads",
        "",
        "kensetsu-tobu",
        "道路に落下物がある",
        "通行の危険がある落下物は緊急対応します。場所と物の種類をお聞きしてすぐに引き継ぎます。"
        "高速道路の場合は道路会社へ案内します。",
        "落下物 道路 危険",
    ),
]


def seed_faq() -> None:
    supervisor = User.objects.filter(role=User.Role.SUPERVISOR).order_by("pk").first()
    dials = {dial.code: dial for dial in Dial.objects.all()}
    categories = {category.code: category for category in Category.objects.all()}
    departments = {department.code: department for department in Department.objects.all()}
    today = timezone.localdate()
    entries = []
    for index, (dial, category, department, question, answer, keywords) in enumerate(ENTRIES):
        entry = FaqEntry.objects.filter(question=question).first() or FaqEntry(question=question)
        is_new = entry.pk is None
        entry.answer, entry.keywords = answer, keywords
        entry.dial = dials[dial]
        entry.category = categories.get(category) if category else None
        entry.department = departments[department]
        entry.status = FaqEntry.Status.PUBLISHED
        # A few entries are old enough to show up in the review list.
        entry.last_reviewed_on = today - timedelta(days=200 if index % 9 == 0 else 20 + index)
        entry.updated_by = supervisor
        entry.save()
        if is_new:
            FaqRevision.objects.create(
                entry=entry, changed_by=supervisor, note="デモデータ", snapshot=entry.snapshot()
            )
        entries.append(entry)
    operator = User.objects.filter(role=User.Role.OPERATOR).order_by("pk").first()
    if operator is None or SimpleCall.objects.exists():
        return
    now = timezone.now()
    calls = []
    for index, entry in enumerate(entries):
        for repeat in range((len(entries) - index) % 7 + 1):
            calls.append(
                SimpleCall(
                    dial=entry.dial,
                    faq_entry=entry,
                    operator=operator,
                    created_at=now - timedelta(days=(index * 5 + repeat * 11) % 150),
                )
            )
    calls.append(
        SimpleCall(dial=dials["clean110"], topic="ごみカレンダーの送付依頼", operator=operator)
    )
    SimpleCall.objects.bulk_create(calls)
    for query, dial in [("マンホール", "roads"), ("カラス", "clean110"), ("ペット霊園", "hygiene")]:
        UnansweredSearch.objects.create(query=query, normalized_query=fold(query), dial=dials[dial])


# Calls logged years ago whose notes are past their dial's retention (the demo's disposal list).
# created (Japan time), dial, topic, note
OLD_CALLS = [
    (
        (2021, 5, 10, 11, 20),
        "clean110",
        "粗大ごみの申込方法",
        "申込センターの番号を案内、後日電話するとのこと",
    ),
    ((2021, 8, 2, 14, 5), "clean110", "ごみの分別", "スプレー缶の出し方を説明"),
]


def seed_old_calls() -> None:
    operator = User.objects.filter(role=User.Role.OPERATOR).order_by("pk").first()
    tz = timezone.get_current_timezone()
    for created, dial, topic, note in OLD_CALLS:
        created_at = datetime(*created, tzinfo=tz)
        if operator is None or SimpleCall.objects.filter(created_at=created_at).exists():
            continue
        SimpleCall.objects.create(
            dial=Dial.objects.get(code=dial),
            topic=topic,
            note=note,
            operator=operator,
            created_at=created_at,
        )
