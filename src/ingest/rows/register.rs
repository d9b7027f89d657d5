//! A register row (基地名册): a base created or brought up to date, its unit found
//! or created, its channel and type checked against what is stored.

use super::*;

impl Processor<'_, '_> {
    pub(super) fn register_row(&mut self, row: u64, cells: &[String]) {
        let code = self.req(row, cells, Field::BaseCode, BaseCode::parse);
        let name = self.req(row, cells, Field::BaseName, |s| {
            Ok::<_, String>(text::tidy(s))
        });
        let ty = self.req(row, cells, Field::BaseType, BaseType::parse);
        let host = self.req(row, cells, Field::HostUnit, |s| {
            Ok::<_, String>(text::tidy(s))
        });
        let credit = self.req(row, cells, Field::CreditCode, CreditCode::parse);
        let channel = self.req(row, cells, Field::Channel, Channel::parse);
        let unit = self.req(row, cells, Field::Unit, |s| Ok::<_, String>(text::tidy(s)));
        let city = self.req(row, cells, Field::City, City::parse);
        let today = self.opts.today;
        let recognised = self.req(row, cells, Field::RecognisedOn, |s| {
            parse_date(s).map_err(|e| e.to_string()).and_then(|d| {
                if d > today {
                    Err(format!(
                        "认定日期 {d} 晚于今天 (recognition date is in the future)"
                    ))
                } else {
                    Ok(d)
                }
            })
        });
        let email = self.req(row, cells, Field::Email, Email::parse);
        let (
            Some(code),
            Some(name),
            Some(ty),
            Some(host),
            Some(credit),
            Some(channel),
            Some(unit),
            Some(city),
            Some(recognised),
            Some(email),
        ) = (
            code, name, ty, host, credit, channel, unit, city, recognised, email,
        )
        else {
            return;
        };
        if let Some(first) = self.seen_codes.insert(code.as_str().to_string(), row) {
            let header = self.cell(cells, Field::BaseCode).map(|c| c.1);
            self.problem(
                Some(row),
                header,
                format!("基地编号 {code} 与第 {first} 行重复 (duplicate base code, first on row {first})"),
            );
            return;
        }
        if let Some((_, known)) = self.units.get(unit.as_str()) {
            if *known != channel {
                let header = self.cell(cells, Field::Channel).map(|c| c.1);
                self.problem(
                    Some(row),
                    header,
                    format!(
                        "推荐单位“{unit}”已登记为“{}”渠道，而本行为“{}” (the unit is registered under another channel; one channel per unit)",
                        known.name_zh(),
                        channel.name_zh()
                    ),
                );
                return;
            }
        }
        if let Some((_, old_ty)) = self.bases.get(code.as_str()) {
            if *old_ty != ty {
                // Changing the type would silently change which tasks apply
                // to every year already reported.
                let header = self.cell(cells, Field::BaseType).map(|c| c.1);
                self.problem(
                    Some(row),
                    header,
                    format!(
                        "基地 {code} 已登记为{}，导入不能将其改为{} (an import cannot change a base's type)",
                        old_ty.name_zh(),
                        ty.name_zh()
                    ),
                );
                return;
            }
        }
        if self.homes.is_none() {
            let Some(db) = self.db() else { return };
            match db::bases::homes(db).and_then(|h| Ok((h, db::bases::live_hosts(db)?))) {
                Ok((h, hosts)) => {
                    self.homes = Some(h);
                    self.hosts = Some(hosts);
                }
                Err(e) => return self.fail(e),
            }
        }
        let key = (credit.as_str().to_string(), ty);
        let other = self
            .hosts
            .as_ref()
            .and_then(|h| h.get(&key))
            .filter(|c| c.as_str() != code.as_str())
            .cloned();
        if let Some(other) = other {
            // 第八条: the same host is not recommended twice for a type.
            let header = self.cell(cells, Field::CreditCode).map(|c| c.1);
            self.problem(
                Some(row),
                header,
                format!(
                    "依托单位 {} 已是{}基地 {other} 的依托单位：同一依托单位同一类型只能通过一个渠道推荐一个基地（第八条）(the host already holds a base of this type)",
                    credit.as_str(),
                    ty.name_zh()
                ),
            );
            return;
        }
        if let Some(h) = self.hosts.as_mut() {
            h.insert(key, code.as_str().to_string());
        }
        let home = self.homes.as_ref().and_then(|h| h.get(code.as_str()));
        if let Some(home) = home.filter(|h| **h != unit) {
            // 第八条: one channel; a move is a recorded transfer by staff.
            let header = self.cell(cells, Field::Unit).map(|c| c.1);
            let reason = format!(
                "基地 {code} 由“{home}”推荐，导入不能将其改为“{unit}”；变更推荐单位须由省科协办理转移（POST /api/v1/bases/{code}/transfer）(an import cannot move a base to another unit)"
            );
            self.problem(Some(row), header, reason);
            return;
        }
        if !crate::recognition::within_reach(&unit, channel, city) {
            // 第八条: a city association recommends within its own city.
            let header = self.cell(cells, Field::City).map(|c| c.1);
            self.problem(
                Some(row),
                header,
                format!(
                    "“{unit}”是省辖市科协，只推荐本市域内的基地，而本行所在地市为{}（第八条）(a city association's base lies in its own city)",
                    city.as_str()
                ),
            );
            return;
        }
        if !self.writing() {
            // Keep validating later rows against this file's own register.
            self.bases
                .entry(code.as_str().to_string())
                .or_insert((-1, ty));
            self.units.entry(unit).or_insert((-1, channel));
            return;
        }
        let unit_id = match self.units.get(unit.as_str()).map(|u| u.0) {
            Some(id) => id,
            None => {
                let Some(db) = self.db() else { return };
                match db::units::find_or_create(db, &unit, channel) {
                    Ok(id) => {
                        self.units.insert(unit.clone(), (id, channel));
                        id
                    }
                    Err(e) => return self.fail(e),
                }
            }
        };
        let input = db::bases::BaseInput {
            code: code.as_str().to_string(),
            name,
            base_type: ty,
            host_unit: host,
            credit_code: credit.as_str().to_string(),
            channel,
            unit_id,
            city,
            recognised_on: recognised,
            email: email.as_str().to_string(),
        };
        let by = self.opts.by.clone();
        let Some(db) = self.db() else { return };
        let upserted = db::bases::upsert(db, &input, &by)
            .and_then(|u| Ok((u, db::bases::find_by_code(db, code.as_str())?)));
        match upserted {
            Ok((u, found)) => {
                match u {
                    db::bases::Upsert::Created => self.report.bases_created += 1,
                    db::bases::Upsert::Updated => self.report.bases_updated += 1,
                    db::bases::Upsert::Unchanged => self.report.bases_unchanged += 1,
                }
                if let Some(b) = found {
                    self.bases.insert(b.code, (b.id, ty));
                }
            }
            Err(e) => self.fail(e),
        }
    }
}
