//! The catalogue of levers: what the store can act on, which model features each covers,
//! whether acting on it needs the customer's consent to messages, and the offer.

use serde::Serialize;

use crate::schema;

/// A group of model features the store can (or cannot) act on.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Lever {
    /// Identifier, e.g. `engagement`.
    pub id: &'static str,
    /// Russian title.
    pub title: &'static str,
    /// The model features it covers.
    pub features: &'static [&'static str],
    /// The side of the typical level that signals risk, in words (Russian).
    pub risk_when: &'static str,
    /// The store can act on it (else it is a reason but never an offer).
    pub actionable: bool,
    /// Acting on it means messages (mailings, push, calls): only for customers with
    /// «Разрешить сообщать» = «да».
    pub needs_consent: bool,
    /// The offer, with `{category}` standing for the customer's favourite category
    /// (empty for levers that are not actionable).
    pub offer: &'static str,
    /// For a categorical feature, the level the lever moves it to (e.g. «премиум»);
    /// `None` for numeric features, which move towards the typical level of customers
    /// whose activity held.
    #[serde(skip)]
    pub target: Option<&'static str>,
    /// The offer's default assumed effect, per feature in the feature's own units; the
    /// sign is the risk-lowering direction, and an offer never moves a feature past the
    /// typical level of the customers whose activity held. Features of the lever that are
    /// missing here are not changed by the offer (history, or the decline itself). Empty
    /// for a categorical lever, whose offer switches to `target`.
    #[serde(skip)]
    pub effect: &'static [(&'static str, f64)],
    /// The offer's default cost per customer, in the unit of `Прибыль`.
    #[serde(skip)]
    pub cost: f64,
    /// The offer's default discount: the share of the customer's monthly profit it gives
    /// away (0 for offers that are not discounts).
    #[serde(skip)]
    pub discount: f64,
    /// Why the default effect and cost (Russian, one sentence).
    #[serde(skip)]
    pub why: &'static str,
}

impl Lever {
    /// The offer in the variant of `category`.
    pub fn offer_for(&self, category: &str) -> String {
        self.offer.replace("{category}", category)
    }
}

/// Every lever, actionable ones first. Features not covered by any lever
/// (Популярная_категория) give the category variant of an offer.
pub const LEVERS: [Lever; 9] = [
    Lever {
        id: "engagement",
        title: "Вовлечённость на сайте",
        features: &[
            schema::PAGES_PER_VISIT,
            schema::CATEGORIES_PER_VISIT,
            "Минут_предыдущий_месяц",
            "Минут_текущий_месяц",
        ],
        risk_when: "меньше страниц и категорий за визит и минут на сайте в месяц",
        actionable: true,
        needs_consent: false,
        offer: "персональные рекомендации на сайте: подборка категории «{category}» на главной странице и в карточках товаров",
        target: None,
        effect: &[(schema::PAGES_PER_VISIT, 1.0)],
        cost: 0.05,
        discount: 0.0,
        why: "подборка на главной и в карточках товаров добавляет около одной просмотренной страницы за визит тому, кто заходит на сайт; минуты и число категорий она не меняет, а прошлый месяц уже прошёл; показ подборки почти ничего не стоит",
    },
    Lever {
        id: "marketing",
        title: "Маркетинговые коммуникации",
        features: &[schema::MARKETING_6M, schema::MARKETING_CURRENT],
        risk_when: "меньше маркетинговых касаний",
        actionable: true,
        needs_consent: true,
        offer: "персональные рассылки и push-уведомления с новинками категории «{category}»",
        target: None,
        effect: &[
            (schema::MARKETING_CURRENT, 1.0),
            (schema::MARKETING_6M, 1.0 / 6.0),
        ],
        cost: 0.1,
        discount: 0.0,
        why: "одно дополнительное персональное касание в этом месяце: +1 в текущем месяце и +1/6 к среднему за шесть месяцев; подготовка и отправка серии стоят 0,1 усл. ед.",
    },
    Lever {
        id: "cart",
        title: "Брошенная корзина",
        features: &[schema::UNPAID_ITEMS],
        risk_when: "больше неоплаченных товаров в корзине",
        actionable: true,
        needs_consent: true,
        offer: "напоминание о корзине и скидка на товары из неё (категория «{category}»)",
        target: None,
        effect: &[(schema::UNPAID_ITEMS, -1.0)],
        cost: 0.05,
        discount: 0.05,
        why: "напоминание со скидкой доводит до оплаты один из брошенных товаров; скидка отдаёт 5 % месячной прибыли покупателя",
    },
    Lever {
        id: "promo",
        title: "Зависимость от акций",
        features: &[schema::PROMO_SHARE],
        risk_when: "больше покупок по акциям",
        actionable: true,
        needs_consent: false,
        offer: "персональный промокод на категорию «{category}» в личном кабинете вместо общих распродаж",
        target: None,
        effect: &[(schema::PROMO_SHARE, -0.1)],
        cost: 0.05,
        discount: 0.1,
        why: "персональный промокод заменяет часть покупок на общих распродажах: доля акционных покупок −10 п. п.; промокод отдаёт 10 % месячной прибыли покупателя",
    },
    Lever {
        id: "service_quality",
        title: "Качество сервиса",
        features: &[schema::SERVICE_ERRORS],
        risk_when: "больше сбоев сервиса (по модели связь слабая)",
        actionable: true,
        needs_consent: false,
        offer: "исправить сбои и начислить извинительный бонус на следующую покупку в категории «{category}»",
        target: None,
        effect: &[(schema::SERVICE_ERRORS, -1.0)],
        cost: 0.2,
        discount: 0.0,
        why: "исправленный сбой — на одну ошибку сервиса меньше; извинительный бонус стоит 0,2 усл. ед.",
    },
    Lever {
        id: "service_level",
        title: "Уровень сервиса",
        features: &[schema::SERVICE_TYPE],
        risk_when: "стандартный сервис (по модели, при прочих равных)",
        actionable: true,
        needs_consent: false,
        offer: "пробный месяц премиум-сервиса с подборками категории «{category}»",
        target: Some("премиум"),
        effect: &[],
        cost: 0.5,
        discount: 0.0,
        why: "пробный месяц премиум-сервиса переводит покупателя на премиум; месяц сервиса бесплатно стоит 0,5 усл. ед.",
    },
    Lever {
        id: "consent",
        title: "Согласие на сообщения",
        features: &[schema::ALLOW_MESSAGES],
        risk_when: "нет согласия на сообщения",
        actionable: false,
        needs_consent: false,
        offer: "",
        target: Some("да"),
        effect: &[],
        cost: 0.0,
        discount: 0.0,
        why: "",
    },
    Lever {
        id: "tenure",
        title: "Срок с регистрации",
        features: &[schema::DURATION],
        risk_when: "срок с регистрации не как у удержавшихся",
        actionable: false,
        needs_consent: false,
        offer: "",
        target: None,
        effect: &[],
        cost: 0.0,
        discount: 0.0,
        why: "",
    },
    Lever {
        id: "revenue_history",
        title: "История выручки",
        features: &[
            "Выручка_препредыдущий_месяц",
            "Выручка_предыдущий_месяц",
            "Выручка_текущий_месяц",
        ],
        risk_when: "выручка за три месяца не как у удержавшихся",
        actionable: false,
        needs_consent: false,
        offer: "",
        target: None,
        effect: &[],
        cost: 0.0,
        discount: 0.0,
        why: "",
    },
];

/// The lever with identifier `id`.
pub fn lever(id: &str) -> Option<&'static Lever> {
    LEVERS.iter().find(|l| l.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levers_cover_every_model_feature_but_the_category_once() {
        let mut covered: Vec<&str> = LEVERS
            .iter()
            .flat_map(|l| l.features.iter().copied())
            .collect();
        let n = covered.len();
        covered.sort();
        covered.dedup();
        assert_eq!(covered.len(), n, "a feature in two levers");
        let features: Vec<String> = schema::feature_groups()
            .into_iter()
            .map(|(c, _)| c)
            .collect();
        for f in &features {
            assert_eq!(
                covered.contains(&f.as_str()),
                f != schema::POPULAR_CATEGORY,
                "{f}"
            );
        }
        assert!(covered.iter().all(|c| features.iter().any(|f| f == c)));
        for l in &LEVERS {
            assert_eq!(l.actionable, !l.offer.is_empty(), "{}", l.id);
            // an offer's effect names only the lever's own numeric features
            for (f, d) in l.effect {
                assert!(l.features.contains(f) && *d != 0.0, "{}: {f}", l.id);
            }
            if l.actionable {
                assert!(!l.effect.is_empty() || l.target.is_some(), "{}", l.id);
            } else {
                assert!(l.effect.is_empty(), "{}", l.id);
            }
        }
    }
}
