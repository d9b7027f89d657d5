use super::*;

const VALID_CREDIT_CODES: [&str; 12] = [
    "1241000052601815X0",
    "91410300908301663A",
    "914107001318609168",
    "12411300390996033W",
    "91410100082462814N",
    "91411000948219939Y",
    "914190015181909371",
    "91410200786579754F",
    "124101004323194885",
    "9141030075749118X6",
    "52410400625276015N",
    "12411600895559795L",
];

#[test]
fn a_base_code_is_normalized_and_uppercased() {
    let code = BaseCode::parse(" ｓａｍｐｌｅ-001_a ").unwrap();
    assert_eq!(code.as_str(), "SAMPLE-001_A");
    assert_eq!(code.to_string(), "SAMPLE-001_A");
}

#[test]
fn a_base_code_rejects_spaces_punctuation_and_chinese() {
    for bad in ["SAMPLE 001", "SAMPLE.001", "基地001", "A/B"] {
        assert!(
            matches!(BaseCode::parse(bad), Err(DomainError::BadBaseCode(_))),
            "{bad}"
        );
    }
}

#[test]
fn a_base_code_may_have_forty_characters_but_not_forty_one() {
    assert!(BaseCode::parse(&"A".repeat(40)).is_ok());
    assert!(matches!(
        BaseCode::parse(&"A".repeat(41)),
        Err(DomainError::BadBaseCode(_))
    ));
}

#[test]
fn an_empty_base_code_is_reported_as_empty() {
    assert_eq!(BaseCode::parse(" \u{3000} "), Err(DomainError::Empty));
}

#[test]
fn a_base_code_serializes_as_a_plain_string_and_deserializes_through_parse() {
    let code = BaseCode::parse("sample-001").unwrap();
    assert_eq!(serde_json::to_string(&code).unwrap(), "\"SAMPLE-001\"");
    let back: BaseCode = serde_json::from_str("\"sample-001\"").unwrap();
    assert_eq!(back, code);
    assert!(serde_json::from_str::<BaseCode>("\"a b\"").is_err());
}

#[test]
fn real_format_credit_codes_are_valid() {
    for code in VALID_CREDIT_CODES {
        let parsed = CreditCode::parse(code);
        assert!(parsed.is_ok(), "{code}: {parsed:?}");
    }
}

#[test]
fn a_credit_code_with_a_wrong_last_character_names_the_expected_one() {
    assert_eq!(
        CreditCode::parse("1241000052601815X1"),
        Err(DomainError::CreditCodeCheck {
            code: "1241000052601815X1".into(),
            expected: '0',
        })
    );
    assert_eq!(
        CreditCode::parse("91410300908301663B"),
        Err(DomainError::CreditCodeCheck {
            code: "91410300908301663B".into(),
            expected: 'A',
        })
    );
}

#[test]
fn a_credit_code_is_uppercased_and_freed_of_full_width_and_spaces() {
    let code = CreditCode::parse(" ９１４１０３００ 908301663a ").unwrap();
    assert_eq!(code.as_str(), "91410300908301663A");
}

#[test]
fn a_credit_code_of_the_wrong_length_is_a_length_error() {
    assert_eq!(
        CreditCode::parse("91410300908301663"),
        Err(DomainError::CreditCodeLength("91410300908301663".into()))
    );
    assert!(matches!(
        CreditCode::parse("91410300908301663AA"),
        Err(DomainError::CreditCodeLength(_))
    ));
}

#[test]
fn a_credit_code_with_i_o_z_s_or_v_is_a_character_error() {
    for bad in [
        "9141030090830166IA",
        "9141030090830166OA",
        "9141030090830166ZA",
        "9141030090830166SA",
        "9141030090830166VA",
        "9141030090830166中A",
    ] {
        assert!(
            matches!(CreditCode::parse(bad), Err(DomainError::CreditCodeChar(_))),
            "{bad}"
        );
    }
}

#[test]
fn an_empty_credit_code_is_reported_as_empty() {
    assert_eq!(CreditCode::parse(""), Err(DomainError::Empty));
}

#[test]
fn with_check_char_completes_every_valid_code_from_its_prefix() {
    for code in VALID_CREDIT_CODES {
        let made = CreditCode::with_check_char(&code[..17]);
        assert_eq!(made.as_ref().map(CreditCode::as_str), Some(code));
    }
}

#[test]
fn with_check_char_refuses_a_bad_prefix() {
    assert_eq!(CreditCode::with_check_char("9141030090830166"), None);
    assert_eq!(CreditCode::with_check_char("914103009083016633"), None);
    assert_eq!(CreditCode::with_check_char("9141030090830166O"), None);
}

#[test]
fn with_check_char_always_yields_a_code_that_parses() {
    for n in 0..200u64 {
        let prefix = format!("9141{:013}", n * 7_919_003);
        let code = CreditCode::with_check_char(&prefix).unwrap();
        assert!(CreditCode::parse(code.as_str()).is_ok(), "{code}");
    }
}

#[test]
fn base_types_parse_from_ids_and_chinese_names_with_or_without_lei() {
    let cases = [
        ("iar", BaseType::Iar),
        ("IAR", BaseType::Iar),
        ("产学研协作类", BaseType::Iar),
        ("产学研协作", BaseType::Iar),
        (" 产学研 协作 类 ", BaseType::Iar),
        ("Incubation", BaseType::Incubation),
        ("创新创业孵化类", BaseType::Incubation),
        ("创新创业孵化", BaseType::Incubation),
        ("international", BaseType::International),
        ("国际创新合作类", BaseType::International),
        ("国际创新合作", BaseType::International),
    ];
    for (input, expected) in cases {
        assert_eq!(BaseType::parse(input), Ok(expected), "{input}");
        assert_eq!(input.parse::<BaseType>(), Ok(expected), "{input}");
    }
}

#[test]
fn an_unknown_base_type_keeps_the_typed_value() {
    assert_eq!(
        BaseType::parse(" foo "),
        Err(DomainError::UnknownBaseType("foo".into()))
    );
    assert_eq!(BaseType::parse(""), Err(DomainError::Empty));
}

#[test]
fn base_type_ids_and_names_match_the_domain_page() {
    let ids: Vec<_> = BaseType::ALL.iter().map(|t| t.id()).collect();
    assert_eq!(ids, ["iar", "incubation", "international"]);
    for t in BaseType::ALL {
        assert_eq!(t.to_string(), t.id());
        assert_eq!(BaseType::parse(t.name_zh()), Ok(t));
    }
}

#[test]
fn base_types_serialize_as_their_ids() {
    assert_eq!(
        serde_json::to_string(&BaseType::International).unwrap(),
        "\"international\""
    );
    let t: BaseType = serde_json::from_str("\"iar\"").unwrap();
    assert_eq!(t, BaseType::Iar);
}

#[test]
fn channels_parse_from_ids_names_and_usual_short_forms() {
    let cases = [
        ("city", Channel::City),
        ("CITY", Channel::City),
        ("省辖市科协", Channel::City),
        ("市科协", Channel::City),
        ("省辖市", Channel::City),
        ("郑州市科协", Channel::City),
        ("济源示范区科协", Channel::City),
        ("society", Channel::Society),
        ("全省学会", Channel::Society),
        ("省学会", Channel::Society),
        ("学会", Channel::Society),
        ("institution", Channel::Institution),
        ("中央驻豫单位、省属有关单位", Channel::Institution),
        ("中央驻豫单位,省属有关单位", Channel::Institution),
        ("中央驻豫单位，省属有关单位", Channel::Institution),
        ("中央驻豫单位/省属有关单位", Channel::Institution),
        ("中央驻豫单位 / 省属有关单位", Channel::Institution),
        ("中央驻豫单位", Channel::Institution),
        ("省属有关单位", Channel::Institution),
    ];
    for (input, expected) in cases {
        assert_eq!(Channel::parse(input), Ok(expected), "{input}");
    }
}

#[test]
fn an_unknown_channel_is_an_error_naming_it() {
    assert_eq!(
        Channel::parse("省科协"),
        Err(DomainError::UnknownChannel("省科协".into()))
    );
    assert!(Channel::parse("北京市科协").is_err());
}

#[test]
fn channels_display_and_serialize_as_ids() {
    for c in Channel::ALL {
        assert_eq!(c.to_string(), c.id());
        assert_eq!(Channel::parse(c.name_zh()), Ok(c));
        let json = format!("\"{}\"", c.id());
        assert_eq!(serde_json::to_string(&c).unwrap(), json);
        assert_eq!(serde_json::from_str::<Channel>(&json).unwrap(), c);
    }
}

#[test]
fn an_email_keeps_its_local_part_and_lowercases_its_domain() {
    let e = Email::parse(" Contact001@Example.ORG ").unwrap();
    assert_eq!(e.as_str(), "Contact001@example.org");
    assert_eq!(e.domain(), "example.org");
    let full_width = Email::parse("ａ＠ｂ．ｃｎ").unwrap();
    assert_eq!(full_width.as_str(), "a@b.cn");
}

#[test]
fn malformed_emails_are_rejected() {
    for bad in [
        "contact",
        "@example.org",
        "a@",
        "a@localhost",
        "a@@example.org",
        "a@b@example.org",
        "a b@example.org",
        "a@example..org",
        "a@.example.org",
        "a@example.org.",
        "a@x.org;b@y.org",
        "a@x.org,b@y.org",
        "张三 <a@x.org>",
    ] {
        assert!(
            matches!(Email::parse(bad), Err(DomainError::BadEmail(_))),
            "{bad}"
        );
    }
    assert_eq!(Email::parse(" "), Err(DomainError::Empty));
}
