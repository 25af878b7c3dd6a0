//! Names like a real directory's, for the name index's tests and benchmark:
//! unique names without serial numbers, in English, German, French,
//! Japanese, Thai, Arabic and Russian (with an English alternate name for
//! the last four), acronyms that sometimes collide, and a few names that
//! two organizations share; and the gold queries with their right answers.

use std::collections::{HashMap, HashSet};

use super::Rng;

/// One record's names.
#[derive(Debug, Clone)]
pub struct Naming {
    pub name: String,
    pub alternates: Vec<String>,
    /// `Some` when the name is in a script other than Latin.
    pub script: Option<&'static str>,
    /// The city, for affiliation strings.
    pub city: &'static str,
}

const CITIES: &[(&str, &str, &str, &str, &str, &str)] = &[
    // English, German/French form, Japanese, Thai, Arabic, Russian (genitive)
    ("Tokyo", "Tokio", "東京", "โตเกียว", "طوكيو", "Токио"),
    ("Osaka", "Osaka", "大阪", "โอซากา", "أوساكا", "Осаки"),
    ("Kyoto", "Kyoto", "京都", "เกียวโต", "كيوتو", "Киото"),
    (
        "Bangkok",
        "Bangkok",
        "バンコク",
        "กรุงเทพ",
        "بانكوك",
        "Бангкока",
    ),
    (
        "Chiang Mai",
        "Chiang Mai",
        "チェンマイ",
        "เชียงใหม่",
        "شيانغ ماي",
        "Чиангмая",
    ),
    ("Cairo", "Kairo", "カイロ", "ไคโร", "القاهرة", "Каира"),
    ("Amman", "Amman", "アンマン", "อัมมาน", "عمان", "Аммана"),
    ("Beirut", "Beirut", "ベイルート", "เบรุต", "بيروت", "Бейрута"),
    ("Moscow", "Moskau", "モスクワ", "มอสโก", "موسكو", "Москвы"),
    ("Kazan", "Kasan", "カザン", "คาซาน", "قازان", "Казани"),
    (
        "Novosibirsk",
        "Nowosibirsk",
        "ノヴォシビルスク",
        "โนโวซีบีสค์",
        "نوفوسيبيرسك",
        "Новосибирска",
    ),
    ("Berlin", "Berlin", "ベルリン", "เบอร์ลิน", "برلين", "Берлина"),
    (
        "Munich",
        "München",
        "ミュンヘン",
        "มิวนิก",
        "ميونخ",
        "Мюнхена",
    ),
    ("Cologne", "Köln", "ケルン", "โคโลญ", "كولونيا", "Кёльна"),
    ("Zurich", "Zürich", "チューリッヒ", "ซูริก", "زيورخ", "Цюриха"),
    ("Vienna", "Wien", "ウィーン", "เวียนนา", "فيينا", "Вены"),
    (
        "Montreal",
        "Montréal",
        "モントリオール",
        "มอนทรีออล",
        "مونتريال",
        "Монреаля",
    ),
    ("Quebec", "Québec", "ケベック", "ควิเบก", "كيبك", "Квебека"),
    ("Lyon", "Lyon", "リヨン", "ลียง", "ليون", "Лиона"),
    ("Geneva", "Genève", "ジュネーヴ", "เจนีวา", "جنيف", "Женевы"),
    (
        "Albuquerque",
        "Albuquerque",
        "アルバカーキ",
        "แอลบูเคอร์คี",
        "ألبوكيركي",
        "Альбукерке",
    ),
    (
        "Santa Fe",
        "Santa Fe",
        "サンタフェ",
        "ซานตาเฟ",
        "سانتا في",
        "Санта-Фе",
    ),
    ("Denver", "Denver", "デンバー", "เดนเวอร์", "دنفر", "Денвера"),
    (
        "Phoenix",
        "Phoenix",
        "フェニックス",
        "ฟีนิกซ์",
        "فينيكس",
        "Финикса",
    ),
    ("Tucson", "Tucson", "ツーソン", "ทูซอน", "توسان", "Тусона"),
    ("Boise", "Boise", "ボイシ", "บอยซี", "بويسي", "Бойсе"),
    ("Omaha", "Omaha", "オマハ", "โอมาฮา", "أوماها", "Омахи"),
    (
        "Wichita",
        "Wichita",
        "ウィチタ",
        "วิชิตา",
        "ويتشيتا",
        "Уичито",
    ),
    ("Tulsa", "Tulsa", "タルサ", "ทัลซา", "تولسا", "Талсы"),
    ("Reno", "Reno", "リノ", "รีโน", "رينو", "Рино"),
];

const MORE_CITIES: &[&str] = &[
    "Abilene",
    "Amarillo",
    "Anchorage",
    "Aspen",
    "Austin",
    "Bismarck",
    "Billings",
    "Boulder",
    "Bozeman",
    "Casper",
    "Cheyenne",
    "Clovis",
    "Dallas",
    "Durango",
    "El Paso",
    "Eugene",
    "Fairbanks",
    "Farmington",
    "Flagstaff",
    "Fresno",
    "Gallup",
    "Helena",
    "Hilo",
    "Honolulu",
    "Houston",
    "Juneau",
    "Laramie",
    "Las Cruces",
    "Las Vegas",
    "Lawrence",
    "Lincoln",
    "Logan",
    "Lubbock",
    "Medford",
    "Missoula",
    "Moab",
    "Norman",
    "Ogden",
    "Olympia",
    "Pecos",
    "Portland",
    "Provo",
    "Pueblo",
    "Rapid City",
    "Roswell",
    "Sacramento",
    "Salem",
    "San Antonio",
    "Sedona",
    "Seattle",
    "Sioux Falls",
    "Spokane",
    "Stillwater",
    "Taos",
    "Topeka",
    "Tacoma",
    "Yuma",
    "Window Rock",
    "Shiprock",
    "Socorro",
];

const REGIONS: &[&str] = &[
    "Northern",
    "Southern",
    "Eastern",
    "Western",
    "Central",
    "Coastal",
    "Mountain",
    "Desert",
    "Prairie",
    "Valley",
    "Tri-County",
    "Metropolitan",
    "Rural",
    "Tribal",
    "Borderlands",
    "Upper",
];
const TOPICS: &[&str] = &[
    "Library",
    "School Library",
    "Academic Library",
    "Law Library",
    "Medical Library",
    "Archives",
    "Rare Books",
    "Music Library",
    "Map Library",
    "Digital Library",
    "Children's Library",
    "Public Library",
    "Museum & Library",
    "Special Libraries",
];
const KINDS: &[&str] = &[
    "Association",
    "Council",
    "Society",
    "Network",
    "Consortium",
    "Guild",
    "Alliance",
    "Round Table",
    "Federation",
    "Forum",
];
const JA_TOPICS: &[(&str, &str)] = &[
    ("図書館協会", "Library Association"),
    ("大学図書館協議会", "University Library Council"),
    ("公共図書館連盟", "Public Library Federation"),
    ("学校図書館協会", "School Library Association"),
    ("文書館協会", "Archives Association"),
    ("医学図書館協会", "Medical Library Association"),
    ("専門図書館協議会", "Special Libraries Council"),
];
const TH_TOPICS: &[(&str, &str)] = &[
    ("สมาคมห้องสมุด", "Library Association"),
    ("สมาคมห้องสมุดโรงเรียน", "School Library Association"),
    ("เครือข่ายห้องสมุดมหาวิทยาลัย", "University Library Network"),
    ("สมาคมบรรณารักษ์", "Librarians Association"),
    ("สมาคมจดหมายเหตุ", "Archives Association"),
];
const AR_TOPICS: &[(&str, &str)] = &[
    ("جمعية المكتبات في", "Library Association"),
    (
        "اتحاد المكتبات الجامعية في",
        "University Library Federation",
    ),
    ("جمعية أمناء المكتبات في", "Librarians Association"),
    ("شبكة المكتبات العامة في", "Public Library Network"),
    ("جمعية الأرشيف في", "Archives Association"),
];
const RU_TOPICS: &[(&str, &str)] = &[
    ("Библиотечная ассоциация", "Library Association"),
    (
        "Ассоциация школьных библиотек",
        "School Library Association",
    ),
    ("Союз публичных библиотек", "Public Library Union"),
    ("Общество архивистов", "Archivists Society"),
    (
        "Консорциум университетских библиотек",
        "University Library Consortium",
    ),
];
const DE_TOPICS: &[&str] = &[
    "Bibliotheksverband",
    "Verein der Bibliothekare",
    "Bibliotheksverbund",
    "Arbeitsgemeinschaft der Spezialbibliotheken",
    "Förderverein der Stadtbibliothek",
    "Gesellschaft für Archivwesen",
];
const FR_TOPICS: &[&str] = &[
    "Association des bibliothécaires de",
    "Réseau des bibliothèques de",
    "Société des archivistes de",
    "Fédération des médiathèques de",
    "Bibliothèque municipale de",
];
const DEPARTMENTS: &[&str] = &[
    "Department of Chemistry",
    "School of Information Studies",
    "Faculty of Arts",
    "Center for Digital Scholarship",
    "Office of Research",
    "Dept. of History",
    "Institute of Library Science",
];
const COUNTRIES: &[&str] = &[
    "USA", "Germany", "Japan", "Thailand", "Egypt", "Russia", "Canada",
];

/// Short words an acronym leaves out.
const MINOR: &[&str] = &[
    "of", "for", "in", "and", "the", "&", "de", "des", "der", "für",
];

fn acronym(name: &str) -> String {
    name.split([' ', '-'])
        .filter(|w| !MINOR.contains(w))
        .filter_map(|w| w.chars().next())
        .filter(|c| c.is_alphabetic())
        .flat_map(char::to_uppercase)
        .collect()
}

/// Names for `records` records: unique but for about one in a hundred,
/// which repeats an earlier record's name (two organizations of the same
/// name, which a matcher must not choose between).
pub fn namings(records: usize, seed: u64) -> Vec<Naming> {
    let mut rng = Rng(seed ^ 0x6E61_6D65);
    let mut used = HashSet::new();
    let mut out: Vec<Naming> = Vec::with_capacity(records);
    for i in 0..records {
        if i > 10 && rng.chance(1) {
            let twin = out[rng.below(i)].clone();
            out.push(twin);
            continue;
        }
        let naming = loop {
            let candidate = one(&mut rng);
            if used.insert(candidate.name.clone()) {
                break candidate;
            }
        };
        out.push(naming);
    }
    out
}

fn one(rng: &mut Rng) -> Naming {
    let c = CITIES[rng.below(CITIES.len())];
    let roll = rng.below(100);
    let (name, mut alternates, script) = match roll {
        0..4 => {
            let (ja, en) = JA_TOPICS[rng.below(JA_TOPICS.len())];
            (
                format!("{}{ja}", c.2),
                vec![format!("{} {en}", c.0)],
                Some("Japanese"),
            )
        }
        4..8 => {
            let (th, en) = TH_TOPICS[rng.below(TH_TOPICS.len())];
            (
                format!("{th}{}", c.3),
                vec![format!("{en} of {}", c.0)],
                Some("Thai"),
            )
        }
        8..12 => {
            let (ar, en) = AR_TOPICS[rng.below(AR_TOPICS.len())];
            (
                format!("{ar} {}", c.4),
                vec![format!("{} {en}", c.0)],
                Some("Arabic"),
            )
        }
        12..16 => {
            let (ru, en) = RU_TOPICS[rng.below(RU_TOPICS.len())];
            (
                format!("{ru} {}", c.5),
                vec![format!("{} {en}", c.0)],
                Some("Cyrillic"),
            )
        }
        16..22 => (
            format!("{} {}", DE_TOPICS[rng.below(DE_TOPICS.len())], c.1),
            Vec::new(),
            None,
        ),
        22..26 => (
            format!("{} {}", FR_TOPICS[rng.below(FR_TOPICS.len())], c.1),
            Vec::new(),
            None,
        ),
        26..30 => {
            let city = if rng.chance(50) {
                c.0
            } else {
                MORE_CITIES[rng.below(MORE_CITIES.len())]
            };
            let name = if rng.chance(50) {
                format!("University of {city} Libraries")
            } else {
                format!("{city} State University Library")
            };
            (name, Vec::new(), None)
        }
        _ => {
            let city = if rng.chance(30) {
                c.0
            } else {
                MORE_CITIES[rng.below(MORE_CITIES.len())]
            };
            let topic = TOPICS[rng.below(TOPICS.len())];
            let kind = KINDS[rng.below(KINDS.len())];
            let name = if rng.chance(50) {
                format!(
                    "{} {city} {topic} {kind}",
                    REGIONS[rng.below(REGIONS.len())]
                )
            } else {
                format!("{city} {topic} {kind}")
            };
            (name, Vec::new(), None)
        }
    };
    if script.is_none() {
        alternates.push(acronym(&name));
    } else if let Some(english) = alternates.first() {
        let a = acronym(english);
        alternates.push(a);
    }
    Naming {
        name,
        alternates,
        script,
        city: c.0,
    }
}

/// A query with its right answer: the record's index, or `None` when the
/// name is shared and the right answer is "ask a person".
#[derive(Debug, Clone)]
pub struct Gold {
    pub category: &'static str,
    pub query: String,
    pub answer: Option<usize>,
}

/// The gold categories, in the order reports list them.
pub const CATEGORIES: &[&str] = &[
    "exact",
    "variant",
    "alternate",
    "script",
    "typo",
    "affiliation",
    "ambiguous",
];

/// Up to `per_category` gold queries of each category over `namings`.
pub fn gold(namings: &[Naming], per_category: usize, seed: u64) -> Vec<Gold> {
    let mut rng = Rng(seed ^ 0x676F_6C64);
    let mut names: HashMap<&str, usize> = HashMap::new();
    let mut labels: HashMap<String, usize> = HashMap::new();
    for n in namings {
        *names.entry(n.name.as_str()).or_default() += 1;
        for l in std::iter::once(&n.name).chain(&n.alternates) {
            *labels.entry(crate::search::normalize::fold(l)).or_default() += 1;
        }
    }
    let unique = |label: &str| labels.get(&crate::search::normalize::fold(label)) == Some(&1);
    let mut out = Vec::new();
    let mut count: HashMap<&'static str, usize> = HashMap::new();
    let mut push = |out: &mut Vec<Gold>, category: &'static str, query: String, answer| {
        let n = count.entry(category).or_default();
        if *n < per_category {
            *n += 1;
            out.push(Gold {
                category,
                query,
                answer,
            });
        }
    };
    // Visit the records in a shuffled order, so every category samples
    // the whole directory.
    let mut order: Vec<usize> = (0..namings.len()).collect();
    for i in (1..order.len()).rev() {
        order.swap(i, rng.below(i + 1));
    }
    for i in order {
        let n = &namings[i];
        if names[n.name.as_str()] > 1 {
            push(&mut out, "ambiguous", n.name.clone(), None);
            continue;
        }
        if !unique(&n.name) {
            continue;
        }
        push(&mut out, "exact", n.name.clone(), Some(i));
        if let Some(script) = n.script {
            let _ = script;
            push(&mut out, "script", n.name.clone(), Some(i));
        } else {
            push(&mut out, "variant", variant(&mut rng, &n.name), Some(i));
            if n.name.chars().count() >= 12 {
                push(&mut out, "typo", typo(&mut rng, &n.name), Some(i));
            }
        }
        if let Some(alt) = n.alternates.iter().find(|a| unique(a)) {
            push(&mut out, "alternate", alt.clone(), Some(i));
        }
        let department = DEPARTMENTS[rng.below(DEPARTMENTS.len())];
        let country = COUNTRIES[rng.below(COUNTRIES.len())];
        let byline = match rng.below(3) {
            0 => format!("{department}, {}, {}, {country}", n.name, n.city),
            1 => format!("{} ({}, {country})", n.name, n.city),
            _ => format!("{department} at the {} in {}", n.name, n.city),
        };
        push(&mut out, "affiliation", byline, Some(i));
    }
    out
}

/// The name in another case, without its accents or punctuation, or with
/// its words in another order.
fn variant(rng: &mut Rng, name: &str) -> String {
    match rng.below(4) {
        0 => name.to_uppercase(),
        1 => name.to_lowercase(),
        2 => name
            .chars()
            .filter(|c| !matches!(c, '&' | '\'' | '-' | ','))
            .map(|c| match c {
                'ä' => 'a',
                'ö' => 'o',
                'ü' => 'u',
                'é' | 'è' => 'e',
                c => c,
            })
            .collect(),
        _ => {
            let mut words: Vec<&str> = name.split(' ').collect();
            let half = words.len() / 2;
            words.rotate_left(half);
            words.join(" ")
        }
    }
}

/// One or two typos in words of five letters or more: a letter swapped
/// with its neighbour, dropped, or replaced.
fn typo(rng: &mut Rng, name: &str) -> String {
    let mut chars: Vec<char> = name.chars().collect();
    let edits = 1 + rng.below(2);
    for _ in 0..edits {
        // A position inside a long word, away from its first letter.
        let inside: Vec<usize> = (1..chars.len().saturating_sub(1))
            .filter(|&k| {
                chars[k].is_alphabetic()
                    && chars[k - 1].is_alphabetic()
                    && chars[k + 1].is_alphabetic()
            })
            .collect();
        if inside.is_empty() {
            break;
        }
        let k = inside[rng.below(inside.len())];
        match rng.below(3) {
            0 => chars.swap(k, k + 1),
            1 => {
                chars.remove(k);
            }
            _ => chars[k] = if chars[k] == 'e' { 'a' } else { 'e' },
        }
    }
    chars.into_iter().collect()
}

/// Precision at 1 of one gold category, and how often `match` was claimed.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Precision {
    pub category: &'static str,
    pub queries: usize,
    /// Queries whose first candidate is the right answer (for `ambiguous`:
    /// whose first candidate has the shared name and no `match`).
    pub right_first: usize,
    /// Queries answered with `match: true`.
    pub matched: usize,
    /// Of those, the ones matched to the right answer.
    pub matched_right: usize,
}

impl Precision {
    pub fn at_1(&self) -> f64 {
        self.right_first as f64 / self.queries.max(1) as f64
    }
}

/// Scores `answer` (a query to its first candidate's record index and its
/// `match` flag) against `gold`, category by category; the last entry sums
/// the `match` claims of all of them.
pub fn evaluate(
    gold: &[Gold],
    namings: &[Naming],
    mut answer: impl FnMut(&str) -> Option<(usize, bool)>,
) -> Vec<Precision> {
    let mut out: Vec<Precision> = CATEGORIES
        .iter()
        .map(|&category| Precision {
            category,
            ..Precision::default()
        })
        .collect();
    let mut all = Precision {
        category: "all",
        ..Precision::default()
    };
    for g in gold {
        let Some(p) = out.iter_mut().find(|p| p.category == g.category) else {
            continue;
        };
        p.queries += 1;
        all.queries += 1;
        let first = answer(&g.query);
        let right = match (g.answer, first) {
            (Some(want), Some((got, _))) => want == got,
            (None, Some((got, matched))) => namings[got].name == g.query && !matched,
            (_, None) => false,
        };
        if right {
            p.right_first += 1;
            all.right_first += 1;
        }
        if let Some((got, true)) = first {
            p.matched += 1;
            all.matched += 1;
            if g.answer == Some(got) {
                p.matched_right += 1;
                all.matched_right += 1;
            }
        }
    }
    out.push(all);
    out
}
