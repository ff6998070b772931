//! The licence pool in S3: licence files (`*.lic`) and token lists (`*.json`), listed for leasing
//! (the leases themselves are cluster state, in [`super::state`]) and read for the push.

use super::Clients;
use super::configure::Licence;
use crate::HandlerError;
use crate::error::aws;

/// The licence pool: every licence file (`*.lic`) of the bucket, and every token of its token lists
/// (`*.json`, each a JSON list of strings), named `<key>#<position>`. Every page is read. A token list
/// that is not a list of strings is an error, never skipped.
pub async fn pool(clients: &Clients, bucket: &str) -> Result<Vec<String>, HandlerError> {
    let mut keys = Vec::new();
    let mut pages = clients.s3.list_objects_v2().bucket(bucket).into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| aws("ListObjectsV2", &e))?;
        keys.extend(page.contents().iter().filter_map(|o| o.key()).map(str::to_owned));
    }
    let mut names = Vec::new();
    for key in keys {
        if key.ends_with(".lic") {
            names.push(key);
        } else if key.ends_with(".json") {
            let tokens = token_list(clients, bucket, &key).await?;
            names.extend((0..tokens.len()).map(|i| format!("{key}#{i}")));
        }
    }
    names.sort();
    Ok(names)
}

/// The tokens of a token list.
async fn token_list(clients: &Clients, bucket: &str, key: &str) -> Result<Vec<String>, HandlerError> {
    let body = object(clients, bucket, key).await?;
    serde_json::from_slice::<Vec<String>>(&body).map_err(|e| {
        HandlerError::CorruptState(format!(
            "licence token list s3://{bucket}/{key} is not a JSON list of strings ({e}): fix or remove it"
        ))
    })
}

/// An object of the licence bucket.
async fn object(clients: &Clients, bucket: &str, key: &str) -> Result<Vec<u8>, HandlerError> {
    let out =
        clients.s3.get_object().bucket(bucket).key(key).send().await.map_err(|e| aws("GetObject", &e))?;
    Ok(out
        .body
        .collect()
        .await
        .map_err(|e| HandlerError::Aws {
            operation: "GetObject",
            message: format!("reading s3://{bucket}/{key}: {e}"),
        })?
        .into_bytes()
        .to_vec())
}

/// Reads a leased licence: a file's bytes, or a token of a token list (`<key>#<position>`).
pub async fn content(clients: &Clients, bucket: &str, name: &str) -> Result<Licence, HandlerError> {
    use base64::Engine as _;
    if let Some((key, position)) = name.rsplit_once('#')
        && let Ok(position) = position.parse::<usize>()
    {
        let tokens = token_list(clients, bucket, key).await?;
        let token = tokens.get(position).ok_or_else(|| {
            HandlerError::CorruptState(format!(
                "licence '{name}' is leased but s3://{bucket}/{key} holds only {} tokens",
                tokens.len()
            ))
        })?;
        return Ok(Licence::Token { name: name.to_owned(), content: token.clone() });
    }
    let bytes = object(clients, bucket, name).await?;
    Ok(Licence::File {
        name: name.to_owned(),
        content: base64::engine::general_purpose::STANDARD.encode(bytes),
    })
}
