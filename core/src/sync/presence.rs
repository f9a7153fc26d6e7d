//! One client's presence (its awareness state), as docs/PROTOCOL.md gives it:
//! `{ user: { id, name, role, color }, editing: card id or null }`. The browser writes it,
//! the server's console and the page read it, all through this one struct.

use serde_json::{json, Value};

use crate::model::Role;

/// Longest name or id kept from a presence state, in characters.
pub const MAX_FIELD: usize = 60;

/// The colour shown when a presence state has none, or one that is not `#rrggbb`.
pub const DEFAULT_COLOR: &str = "#777777";

/// One client's presence.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Presence {
    /// The participant id the client gives.
    pub id: String,
    pub name: String,
    /// The role word as sent (see [`Presence::role`]).
    pub role: String,
    /// Always `#rrggbb` once read ([`DEFAULT_COLOR`] otherwise), so it is safe in a style.
    pub color: String,
    /// The card being edited, if any.
    pub editing: Option<String>,
}

impl Presence {
    /// Read a presence state leniently: missing or mistyped fields become empty, text is
    /// cut to [`MAX_FIELD`] characters, and a colour that is not `#rrggbb` is replaced.
    /// `None` if it is not JSON or has no `user`.
    pub fn parse(json: &str) -> Option<Presence> {
        let v: Value = serde_json::from_str(json).ok()?;
        let user = v.get("user")?;
        let field = |k: &str| {
            user.get(k)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .chars()
                .take(MAX_FIELD)
                .collect::<String>()
        };
        let color = user
            .get("color")
            .and_then(Value::as_str)
            .filter(|c| is_hex_color(c))
            .unwrap_or(DEFAULT_COLOR)
            .to_string();
        Some(Presence {
            id: field("id"),
            name: field("name"),
            role: field("role"),
            color,
            editing: v
                .get("editing")
                .and_then(Value::as_str)
                .map(|e| e.chars().take(200).collect()),
        })
    }

    /// The state as JSON, as a client sends it.
    pub fn to_json(&self) -> String {
        json!({
            "user": { "id": self.id, "name": self.name, "role": self.role, "color": self.color },
            "editing": self.editing,
        })
        .to_string()
    }

    /// The role, if it is one of the schema's.
    pub fn role(&self) -> Option<Role> {
        Role::parse(&self.role)
    }
}

/// A presence state as someone who is not a facilitator sees it on an anonymous board:
/// no id, name or role (the page shows "a participant"); the colour and the card being
/// edited stay. A removal (`null`) stays a removal; anything that is not a presence state
/// becomes `{}`, so nothing a client put elsewhere in its state gets through.
pub fn anonymised(json: &str) -> String {
    if json == "null" {
        return json.to_string();
    }
    match Presence::parse(json) {
        Some(p) => Presence {
            id: String::new(),
            name: String::new(),
            role: String::new(),
            ..p
        }
        .to_json(),
        None => "{}".to_string(),
    }
}

/// Every state of an awareness update, [`anonymised`].
pub fn anonymise(update: &yrs::sync::AwarenessUpdate) -> yrs::sync::AwarenessUpdate {
    let mut out = update.clone();
    for entry in out.clients.values_mut() {
        entry.json = anonymised(&entry.json).into();
    }
    out
}

/// The role a presence state may show is the link's, not the client's word: a
/// facilitator's link is shown as the facilitator whatever role its page last chose, and
/// nobody else may claim to be one. Returns the state rewritten when its role was not
/// its own (`None`: keep it as it came; not JSON or no `user`, which the caller refuses
/// or keeps as it is).
pub fn bind_role(json: &str, facilitator: bool) -> Option<String> {
    let mut v: Value = serde_json::from_str(json).ok()?;
    let user = v.get_mut("user")?.as_object_mut()?;
    let claimed = user.get("role").and_then(Value::as_str).unwrap_or_default();
    let bound = match (facilitator, claimed == Role::Facilitator.as_str()) {
        (true, true) | (false, false) => return None,
        (true, false) => Role::Facilitator.as_str(),
        (false, true) => "",
    };
    user.insert("role".into(), Value::from(bound));
    Some(v.to_string())
}

/// Every state of an awareness update with its role [`bind_role`]-ed.
pub fn bind_roles(
    mut update: yrs::sync::AwarenessUpdate,
    facilitator: bool,
) -> yrs::sync::AwarenessUpdate {
    for entry in update.clients.values_mut() {
        if let Some(json) = bind_role(&entry.json, facilitator) {
            entry.json = json.into();
        }
    }
    update
}

/// Whether `c` is a colour of the form `#rrggbb`.
pub fn is_hex_color(c: &str) -> bool {
    c.len() == 7 && c.starts_with('#') && c[1..].bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_facilitators_link_is_shown_as_the_facilitator() {
        let guest = r##"{"user":{"id":"a","name":"Guest 1682","role":"stakeholder","color":"#112233"},"editing":null}"##;
        let bound = bind_role(guest, true).expect("rewritten");
        let p = Presence::parse(&bound).expect("presence");
        assert_eq!(
            (p.role(), p.name.as_str()),
            (Some(Role::Facilitator), "Guest 1682")
        );
        assert_eq!(bind_role(&bound, true), None, "already the facilitator");
        let posing = r#"{"user":{"name":"Boss","role":"facilitator"}}"#;
        let p = Presence::parse(&bind_role(posing, false).expect("rewritten")).expect("presence");
        assert_eq!((p.role(), p.name.as_str()), (None, "Boss"));
        assert_eq!(
            bind_role(guest, false),
            None,
            "a participant's own role stays"
        );
        assert_eq!(bind_role("null", true), None);
        assert_eq!(bind_role("not json", true), None);
    }

    #[test]
    fn presence_round_trips_and_reads_leniently() {
        let me = Presence {
            id: "p1".into(),
            name: "Ana".into(),
            role: "patient".into(),
            color: "#a1b2c3".into(),
            editing: Some("card-1".into()),
        };
        assert_eq!(Presence::parse(&me.to_json()), Some(me.clone()));
        assert_eq!(me.role(), Some(Role::Patient));
        // Mistyped fields are empty; long names are cut; no user is no presence.
        let odd = Presence::parse(&format!(
            r#"{{"user":{{"id":7,"name":"{}","role":null}},"editing":3,"extra":true}}"#,
            "x".repeat(100)
        ))
        .unwrap();
        assert_eq!((odd.id.as_str(), odd.name.len()), ("", MAX_FIELD));
        assert_eq!((odd.role(), odd.editing), (None, None));
        assert_eq!(Presence::parse(r#"{"editing":null}"#), None);
        assert_eq!(Presence::parse("not json"), None);
    }

    #[test]
    fn anonymised_states_keep_no_id_name_or_role() {
        let ana = Presence {
            id: "p-1".into(),
            name: "Ana".into(),
            role: "patient".into(),
            color: "#a1b2c3".into(),
            editing: Some("card-1".into()),
        };
        let seen = Presence::parse(&anonymised(&ana.to_json())).unwrap();
        assert_eq!(
            (seen.id.as_str(), seen.name.as_str(), seen.role.as_str()),
            ("", "", "")
        );
        assert_eq!(
            (seen.color.as_str(), seen.editing.as_deref()),
            ("#a1b2c3", Some("card-1"))
        );
        assert_eq!(anonymised("null"), "null");
        assert_eq!(anonymised(r#"{"name":"Ana","email":"a@x"}"#), "{}");
    }

    #[test]
    fn only_hex_colours_reach_a_style() {
        for bad in [
            "red;position:fixed;inset:0;background:url(//x.example/a)",
            "#12345",
            "#1234567",
            "#ggg000",
            "",
        ] {
            let json = json!({ "user": { "color": bad } }).to_string();
            assert_eq!(
                Presence::parse(&json).unwrap().color,
                DEFAULT_COLOR,
                "{bad}"
            );
        }
        let ok = json!({ "user": { "color": "#00FFaa" } }).to_string();
        assert_eq!(Presence::parse(&ok).unwrap().color, "#00FFaa");
    }
}
