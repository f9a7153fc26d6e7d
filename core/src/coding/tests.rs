//! The coefficients against published worked examples, and the codebook's checks.

use super::*;

fn set(codes: &[&str]) -> BTreeSet<String> {
    codes.iter().map(|c| c.to_string()).collect()
}

fn book(ids: &[&str]) -> Codebook {
    Codebook {
        codes: ids
            .iter()
            .map(|id| Code {
                id: id.to_string(),
                name: format!("Code {id}"),
                definition: String::new(),
                parent: None,
            })
            .collect(),
    }
}

fn close(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() < 0.0005)
}

#[test]
fn nominal_alpha_matches_krippendorffs_worked_example() {
    // Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", the nominal
    // example: 4 coders, 12 units, missing values; alpha = 0.743.
    // As the paper lays it out: a row per coder, a column per unit, `*` not coded.
    let rows = [
        "1 2 3 3 2 1 4 1 2 * * *",
        "1 2 3 3 2 2 4 1 2 5 * 3",
        "* 3 3 3 2 3 4 2 2 5 1 *",
        "1 2 3 3 2 4 4 1 2 5 1 *",
    ]
    .map(|r| {
        r.split(' ')
            .map(|v| v.parse::<u8>().ok())
            .collect::<Vec<_>>()
    });
    let units: Vec<Vec<Option<u8>>> = (0..12)
        .map(|u| rows.iter().map(|r| r[u]).collect())
        .collect();
    let alpha = nominal_alpha(&units);
    assert!(close(alpha, 0.743), "{alpha:?}");
}

#[test]
fn two_analysts_get_cohens_kappa_and_alpha_agrees_with_the_general_formula() {
    // The textbook table: 50 cards; both applied 20, only A 5, only B 10, neither 15.
    // Observed 0.70, expected 0.50, kappa 0.40.
    let mut a = Coding::new();
    let mut b = Coding::new();
    let mut units = Vec::new();
    for i in 0..50 {
        let (x, y) = match i {
            0..20 => (true, true),
            20..25 => (true, false),
            25..35 => (false, true),
            _ => (false, false),
        };
        let card = format!("c{i}");
        a.insert(card.clone(), if x { set(&["k"]) } else { set(&[]) });
        b.insert(card, if y { set(&["k"]) } else { set(&[]) });
        units.push(vec![Some(x), Some(y)]);
    }
    let got = agreement(&book(&["k"]), &[("A".into(), a), ("B".into(), b)]).unwrap();
    assert!(close(got.kappa, 0.40), "{:?}", got.kappa);
    assert!(close(got.per_code[0].kappa, 0.40));
    assert!(close(got.percent_agreement, 0.70));
    assert_eq!(got.per_code[0].applied, vec![25, 30]);
    assert_eq!(got.cards_compared, 50);
    assert_eq!(got.disagreements.len(), 15);
    // The binary shortcut and the general nominal formula give one alpha.
    let general = nominal_alpha(&units).unwrap();
    assert!(close(got.alpha, general), "{:?} vs {general}", got.alpha);
}

#[test]
fn three_analysts_with_cards_not_all_looked_at() {
    let codes = book(&["access", "trust"]);
    let coding = |rows: &[(&str, &[&str])]| -> Coding {
        rows.iter()
            .map(|(card, codes)| (card.to_string(), set(codes)))
            .collect()
    };
    let ann = coding(&[
        ("c1", &["access"]),
        ("c2", &["trust"]),
        ("c3", &["access", "trust"]),
        ("c4", &[]),
    ]);
    let ben = coding(&[("c1", &["access"]), ("c2", &["trust"]), ("c3", &["access"])]);
    let cat = coding(&[
        ("c1", &["access"]),
        ("c2", &[]),
        ("c3", &["access", "trust"]),
        ("c5", &["trust"]),
    ]);
    let got = agreement(
        &codes,
        &[
            ("Ann".into(), ann),
            ("Ben".into(), ben),
            ("Cat".into(), cat),
        ],
    )
    .unwrap();
    // c4 and c5 were looked at by one analyst each: not compared.
    assert_eq!(got.cards_compared, 3);
    assert_eq!(got.kappa, None, "kappa is for two analysts");
    // "access" was decided alike everywhere: alpha 1.
    assert!(close(got.per_code[0].alpha, 1.0));
    assert!(close(got.per_code[0].percent_agreement, 1.0));
    assert_eq!(got.per_code[0].applied, vec![2, 2, 2]);
    // "trust": split on c2 and c3.
    assert_eq!(
        got.disagreements,
        vec![
            Disagreement {
                card: "c2".into(),
                code: "trust".into(),
                applied_by: vec!["Ann".into(), "Ben".into()],
                not_applied_by: vec!["Cat".into()],
            },
            Disagreement {
                card: "c3".into(),
                code: "trust".into(),
                applied_by: vec!["Ann".into(), "Cat".into()],
                not_applied_by: vec!["Ben".into()],
            },
        ]
    );
    let trust = got.per_code[1].alpha.unwrap();
    assert!(trust < 1.0, "{trust}");
    // Cross-check with the general formula over the same units.
    let units = vec![
        vec![Some(false), Some(false), Some(false)],
        vec![Some(true), Some(true), Some(false)],
        vec![Some(true), Some(false), Some(true)],
        vec![Some(false), None, None],
        vec![None, None, Some(true)],
    ];
    assert!(close(Some(trust), nominal_alpha(&units).unwrap()));
}

#[test]
fn no_variation_leaves_the_coefficients_undefined() {
    let a: Coding = [("c1".to_string(), set(&[])), ("c2".to_string(), set(&[]))].into();
    let got = agreement(&book(&["k"]), &[("A".into(), a.clone()), ("B".into(), a)]).unwrap();
    assert_eq!(got.alpha, None);
    assert_eq!(got.kappa, None);
    assert!(close(got.percent_agreement, 1.0));
    assert!(got.disagreements.is_empty());
}

#[test]
fn bad_codebooks_and_codings_are_refused_with_the_reason() {
    let mut b = book(&["a", "b"]);
    assert_eq!(b.check(), Ok(()));
    b.codes[1].id = "a".into();
    assert_eq!(b.check(), Err(CodingError::DuplicateId("a".into())));
    let mut b = book(&["a", "b"]);
    b.codes[1].name = "  ".into();
    assert_eq!(b.check(), Err(CodingError::BadName("b".into())));
    b.codes[1].name = "CODE A".into();
    assert_eq!(b.check(), Err(CodingError::DuplicateName("CODE A".into())));
    let mut b = book(&["a", "b"]);
    b.codes[1].parent = Some("zzz".into());
    assert_eq!(
        b.check(),
        Err(CodingError::NoSuchParent("b".into(), "zzz".into()))
    );
    b.codes[1].parent = Some("a".into());
    b.codes[0].parent = Some("b".into());
    assert_eq!(b.check(), Err(CodingError::BadNesting("a".into())));
    let mut deep = book(&["1", "2", "3", "4", "5"]);
    for i in 1..5 {
        deep.codes[i].parent = Some(i.to_string());
    }
    assert_eq!(deep.check(), Err(CodingError::BadNesting("5".into())));
    deep.codes[4].parent = None;
    assert_eq!(deep.check(), Ok(()), "four levels are allowed");
    let mut b = book(&["a"]);
    b.codes[0].definition = "x".repeat(MAX_CODE_DEFINITION + 1);
    assert_eq!(b.check(), Err(CodingError::DefinitionTooLong("a".into())));

    let coding: Coding = [("c1".to_string(), set(&["nope"]))].into();
    assert_eq!(
        agreement(
            &book(&["a"]),
            &[("A".into(), coding.clone()), ("B".into(), Coding::new())]
        ),
        Err(CodingError::NoSuchCode("nope".into()))
    );
    assert_eq!(
        agreement(&book(&["a"]), &[("A".into(), Coding::new())]),
        Err(CodingError::TooFewAnalysts)
    );
    assert_eq!(
        agreement(
            &book(&["a"]),
            &[("A".into(), Coding::new()), ("A".into(), Coding::new())]
        ),
        Err(CodingError::DuplicateAnalyst("A".into()))
    );
}
