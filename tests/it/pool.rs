//! The server's connection pool: capped, and a connection the database
//! dropped (a restart, an administrator's kill) is never handed out again.

use diesel::prelude::*;
use diesel::sql_types::Integer;

use crate::helpers::TestDb;
use basewatch::db::{self, Db};

#[derive(QueryableByName)]
struct Pid {
    #[diesel(sql_type = Integer)]
    pid: i32,
}

fn backend_pid(db: &mut Db) -> i32 {
    match db {
        Db::Pg(c) => {
            diesel::sql_query("SELECT pg_backend_pid() AS pid")
                .get_result::<Pid>(c)
                .expect("pid")
                .pid
        }
        Db::Sqlite(_) => unreachable!("PostgreSQL only"),
    }
}

#[test]
fn a_connection_killed_by_postgresql_is_replaced_not_handed_out() {
    let Some(t) = TestDb::postgres() else { return };
    let pool = db::pool(&t.url, 2).expect("pool");
    let pid = {
        let mut c = db::checkout(&pool).expect("checkout");
        backend_pid(&mut c)
    };
    // What a server restart does to every idle connection.
    let mut admin = t.db();
    if let Db::Pg(c) = &mut admin {
        diesel::sql_query(format!("SELECT pg_terminate_backend({pid})"))
            .execute(c)
            .expect("terminate");
    }
    std::thread::sleep(std::time::Duration::from_millis(200));
    for _ in 0..4 {
        let mut c = db::checkout(&pool).expect("a working connection");
        assert!(c.ping(), "the pool handed out a dead connection");
        assert_ne!(backend_pid(&mut c), pid);
    }
}

#[test]
fn the_pool_never_holds_more_connections_than_its_size() {
    let t = TestDb::sqlite();
    let pool = db::pool(&t.url, 3).expect("pool");
    std::thread::scope(|s| {
        for _ in 0..12 {
            s.spawn(|| {
                let mut c = db::checkout(&pool).expect("checkout");
                assert!(c.ping());
                std::thread::sleep(std::time::Duration::from_millis(30));
            });
        }
    });
    assert!(pool.state().connections <= 3, "{:?}", pool.state());
}
