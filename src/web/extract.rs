//! Who is asking, as handler arguments: [`SignedIn`] (any account, by its
//! session cookie; anonymous browsers are sent to sign in), [`Staff`]
//! (province staff only; anyone else gets 404, as for anything out of
//! scope) and [`ApiCaller`] (a bearer token; 401 without one). A handler
//! that takes one of them runs only for that caller, before its body is read.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest};

use super::auth::{self, Session};
use super::{AppState, WebError};
use crate::access::{Caller, Role};

type Extracted<T> = Pin<Box<dyn Future<Output = Result<T, WebError>>>>;

fn state(req: &HttpRequest) -> Result<web::Data<AppState>, WebError> {
    req.app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or(WebError::Internal)
}

/// A signed-in account and its CSRF token.
pub struct SignedIn(pub Session);

impl FromRequest for SignedIn {
    type Error = WebError;
    type Future = Extracted<Self>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let st = state(&req)?;
            match auth::session(&req, &st).await? {
                Some(s) => Ok(SignedIn(s)),
                None => Err(WebError::SignIn(auth::login_location(&req))),
            }
        })
    }
}

/// A signed-in member of province staff.
pub struct Staff(pub Session);

impl FromRequest for Staff {
    type Error = WebError;
    type Future = Extracted<Self>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let signed = SignedIn::from_request(req, payload);
        Box::pin(async move {
            let SignedIn(s) = signed.await?;
            if s.caller.role != Role::Province {
                return Err(WebError::NotFound);
            }
            Ok(Staff(s))
        })
    }
}

/// The caller behind `Authorization: Bearer TOKEN`.
pub struct ApiCaller(pub Caller);

impl FromRequest for ApiCaller {
    type Error = WebError;
    type Future = Extracted<Self>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let st = state(&req)?;
            auth::api_caller(&req, &st).await.map(ApiCaller)
        })
    }
}
