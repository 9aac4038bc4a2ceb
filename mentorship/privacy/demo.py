"""Demo privacy notice: version 1 in every language, agreed to by every demo account."""

from flask import current_app
from sqlalchemy import exists, select

from ..accounts.models import User
from ..extensions import db
from ..programme.services import get_settings
from .models import Consent, PrivacyNotice

EN = """\
## Who we are

{programme} is the city's host-community programme: residents volunteer to welcome
newcomers, and the programme team (the coordinators) runs it. Write to {email} with any
question about your data.

## What we keep about you

* **Your account**: your name, email address and language; if you give them, your phone
  number, your neighbourhood and the languages you speak.
* **Volunteers**: your applications (motivation, availability, pledge), commitments,
  training and certificates, the hours you log, your cultural passes and award
  nominations.
* **Newcomers**: your buddy requests (what you need help with, where, when, and how you
  prefer to be contacted) and your matches.
* The emails we sent you, and a log of the decisions the team took about your records.

## Why

To match newcomers with volunteers, to train and thank volunteers, and to publish
figures about the programme. Published figures never name anyone, and counts under 5
are hidden.

## Who sees it

* The coordinators, for the people they coordinate.
* Your buddy sees your name and languages. Contact details only once you have both
  agreed, and only those you chose.
* A partner venue sees the first name on a pass you show there.
* Nobody else. We never sell or give away your data.

## How long we keep it

As long as your account is open. An account not used for {years} years is anonymised.
Notes in the team's log are erased after {audit_years} years. Published figures keep
their anonymous numbers.

## Your rights

* **See and download** everything we hold: "My data" on your account page.
* **Correct** it on your account page.
* **Delete** your account: "Delete my account" on your account page. A coordinator
  confirms it, or it happens by itself after {days} days. Your name, email, phone and
  notes are erased; anonymous facts (hours, dates) stay in the figures.
* You may also complain to the data protection authority.
"""

FR = """\
## Qui sommes-nous

{programme} est le programme d'accueil de la ville : des habitants bénévoles accueillent
des nouveaux arrivants, et l'équipe du programme (les coordinateurs) l'organise. Écrivez à
{email} pour toute question sur vos données.

## Ce que nous gardons sur vous

* **Votre compte** : votre nom, votre adresse e-mail et votre langue ; si vous les
  donnez, votre téléphone, votre quartier et les langues que vous parlez.
* **Bénévoles** : vos candidatures (motivation, disponibilités, engagement), vos
  engagements, formations et certificats, les heures que vous déclarez, vos pass
  culturels et les nominations aux prix.
* **Nouveaux arrivants** : vos demandes de binôme (l'aide souhaitée, où, quand, et comment
  vous préférez être contacté) et vos binômes.
* Les e-mails que nous vous avons envoyés, et le journal des décisions prises par l'équipe
  sur vos dossiers.

## Pourquoi

Pour former des binômes entre nouveaux arrivants et bénévoles, former et remercier les
bénévoles, et publier les chiffres du programme. Les chiffres publiés ne nomment jamais
personne, et les effectifs de moins de 5 sont masqués.

## Qui les voit

* Les coordinateurs, pour les personnes qu'ils accompagnent.
* Votre binôme voit votre nom et vos langues. Vos coordonnées seulement quand vous avez
  tous les deux accepté, et seulement celles que vous avez choisies.
* Un lieu partenaire voit le prénom inscrit sur le pass que vous y présentez.
* Personne d'autre. Nous ne vendons ni ne cédons jamais vos données.

## Combien de temps

Tant que votre compte est ouvert. Un compte inutilisé depuis {years} ans est anonymisé.
Les notes du journal de l'équipe sont effacées après {audit_years} ans. Les chiffres
publiés gardent leurs nombres anonymes.

## Vos droits

* **Voir et télécharger** tout ce que nous gardons : « Mes données » sur la page de votre
  compte.
* **Corriger** vos informations sur la page de votre compte.
* **Supprimer** votre compte : « Supprimer mon compte » sur la page de votre compte. Un
  coordinateur confirme, ou la suppression se fait d'elle-même après {days} jours. Votre
  nom, e-mail, téléphone et vos notes sont effacés ; les faits anonymes (heures, dates)
  restent dans les chiffres.
* Vous pouvez aussi saisir l'autorité de protection des données (la CNIL).
"""

AR = """\
## من نحن

{programme} هو برنامج المدينة لاستقبال القادمين الجدد: يتطوع سكان المدينة لاستقبال
القادمين الجدد، ويدير البرنامجَ فريقُه (المنسقون). اكتبوا إلى {email} لأي سؤال عن
بياناتكم.

## ما نحتفظ به عنكم

* **حسابكم**: اسمكم وعنوان بريدكم الإلكتروني ولغتكم؛ وإن أعطيتمونا إياها: رقم هاتفكم
  وحيّكم واللغات التي تتحدثونها.
* **المتطوعون**: طلباتكم (الدافع، الأوقات المتاحة، التعهد)، والتزاماتكم، والتدريب
  والشهادات، والساعات التي تسجلونها، وتذاكركم الثقافية، والترشيحات للجوائز.
* **القادمون الجدد**: طلبات الرفيق (ما تحتاجون المساعدة فيه، وأين، ومتى، وكيف تفضلون أن
  نتواصل معكم) والرفقاء الذين تم ربطكم بهم.
* الرسائل التي أرسلناها إليكم، وسجل القرارات التي اتخذها الفريق بشأن ملفاتكم.

## لماذا

لربط القادمين الجدد بالمتطوعين، ولتدريب المتطوعين وشكرهم، ولنشر أرقام البرنامج. الأرقام
المنشورة لا تذكر اسم أحد أبدًا، والأعداد الأقل من 5 تُخفى.

## من يراها

* المنسقون، بالنسبة للأشخاص الذين يتابعونهم.
* يرى رفيقكم اسمكم ولغاتكم. أما وسائل الاتصال فلا يراها إلا بعد موافقتكما معًا، ولا يرى
  إلا ما اخترتموه.
* يرى المكان الشريك الاسم الأول المكتوب على التذكرة التي تقدمونها له.
* لا أحد غيرهم. لا نبيع بياناتكم ولا نعطيها لأحد أبدًا.

## مدة الاحتفاظ

ما دام حسابكم مفتوحًا. الحساب الذي لم يُستخدم منذ {years} سنوات تُزال منه البيانات
الشخصية. تُمحى ملاحظات سجل الفريق بعد {audit_years} سنوات. تحتفظ الأرقام المنشورة
بأعدادها المجهولة الهوية.

## حقوقكم

* **الاطلاع والتنزيل** لكل ما نحتفظ به: «بياناتي» في صفحة حسابكم.
* **التصحيح** في صفحة حسابكم.
* **حذف** حسابكم: «حذف حسابي» في صفحة حسابكم. يؤكد أحد المنسقين الحذف، أو يتم تلقائيًا
  بعد {days} يومًا. يُمحى اسمكم وبريدكم وهاتفكم وملاحظاتكم؛ وتبقى الوقائع المجهولة
  الهوية (الساعات، التواريخ) في الأرقام.
* يمكنكم أيضًا تقديم شكوى إلى هيئة حماية البيانات.
"""

UK = """\
## Хто ми

{programme} — міська програма гостинності: мешканці волонтерять, щоб зустрічати
новоприбулих, а команда програми (координатори) її організовує. Пишіть на {email} з
будь-яким питанням про ваші дані.

## Що ми зберігаємо про вас

* **Ваш обліковий запис**: ім'я, адреса електронної пошти та мова; якщо ви їх надали —
  номер телефону, район і мови, якими ви володієте.
* **Волонтери**: ваші заявки (мотивація, час, зобов'язання), участь у програмі, навчання
  та сертифікати, години, які ви записуєте, культурні перепустки та номінації на нагороди.
* **Новоприбулі**: ваші запити на напарника (з чим потрібна допомога, де, коли і як з вами
  краще зв'язатися) та ваші пари.
* Листи, які ми вам надіслали, і журнал рішень, які команда ухвалила щодо ваших записів.

## Навіщо

Щоб знаходити новоприбулим напарників-волонтерів, навчати волонтерів і дякувати їм, а
також публікувати показники програми. Опубліковані показники ніколи нікого не називають,
а числа, менші за 5, приховуються.

## Хто їх бачить

* Координатори — щодо людей, яких вони супроводжують.
* Ваш напарник бачить ваше ім'я та мови. Контакти — лише після того, як ви обоє погодилися,
  і лише ті, які ви обрали.
* Партнерський заклад бачить ім'я на перепустці, яку ви там показуєте.
* Більше ніхто. Ми ніколи не продаємо і не передаємо ваші дані.

## Як довго

Поки ваш обліковий запис відкритий. Обліковий запис, яким не користувалися {years} роки,
знеособлюється. Нотатки в журналі команди стираються через {audit_years} роки.
Опубліковані показники зберігають свої знеособлені числа.

## Ваші права

* **Переглянути й завантажити** все, що ми зберігаємо: «Мої дані» на сторінці облікового
  запису.
* **Виправити** дані на сторінці облікового запису.
* **Видалити** обліковий запис: «Видалити мій обліковий запис» на сторінці облікового
  запису. Координатор підтверджує це, або видалення відбувається саме через {days} днів.
  Ваше ім'я, пошта, телефон і нотатки стираються; знеособлені факти (години, дати)
  залишаються в показниках.
* Ви також можете поскаржитися до органу із захисту даних.
"""

TEXTS = {"en": EN, "fr": FR, "ar": AR, "uk": UK}
DEMO_VERSION = 1


def seed_privacy(people):
    """Version 1 of the notice (unless one exists) and every account's consent to it."""
    if db.session.scalar(select(PrivacyNotice.id).limit(1)) is None:
        settings, config = get_settings(), current_app.config
        values = {"programme": settings.name, "email": settings.contact_email,
                  "days": config["ERASURE_CONFIRM_AFTER_DAYS"],
                  "years": config["INACTIVE_ACCOUNT_YEARS"],
                  "audit_years": config["AUDIT_NOTE_YEARS"]}
        admin = people["admin@example.org"]
        for code, text in TEXTS.items():
            if code in config["LANGUAGES"]:
                db.session.add(PrivacyNotice(version=DEMO_VERSION, locale=code,
                                             body=text.format(**values),
                                             published_by_id=admin.id))
    agreed = exists().where(Consent.user_id == User.id, Consent.version == DEMO_VERSION)
    for user_id in db.session.scalars(select(User.id).where(~agreed)):
        db.session.add(Consent(user_id=user_id, version=DEMO_VERSION))
    db.session.flush()
