//! A profile's `prometheus`: one URL, or the servers of an HA group.

use serde::Deserialize;
use serde::de::{Deserializer, Visitor};

/// The most servers an HA group may have.
const MAX_REPLICAS: usize = 8;

/// `prometheus = "URL"`, or a list of an HA group's servers.
pub(super) struct ServersToml(Vec<String>);

impl<'de> Deserialize<'de> for ServersToml {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct UrlOrList;
        impl<'de> Visitor<'de> for UrlOrList {
            type Value = ServersToml;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a URL, or a list of the URLs of an HA group's servers")
            }
            fn visit_str<E: serde::de::Error>(self, url: &str) -> Result<Self::Value, E> {
                Ok(ServersToml(vec![url.to_string()]))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Self::Value, A::Error> {
                let mut urls = Vec::new();
                while let Some(url) = seq.next_element::<String>()? {
                    urls.push(url);
                }
                Ok(ServersToml(urls))
            }
        }
        deserializer.deserialize_any(UrlOrList)
    }
}

impl ServersToml {
    /// The first and the standbys: one at least, at most [`MAX_REPLICAS`], none twice; else
    /// what is wrong.
    pub(super) fn build(self) -> Result<(String, Vec<String>), String> {
        let urls = self.0;
        if urls.len() > MAX_REPLICAS {
            return Err(format!(
                "{} servers: an HA group has at most {MAX_REPLICAS}",
                urls.len()
            ));
        }
        for (i, url) in urls.iter().enumerate() {
            if urls[..i]
                .iter()
                .any(|earlier| earlier.trim_end_matches('/') == url.trim_end_matches('/'))
            {
                return Err(format!(
                    "{} is listed twice: each server of an HA group once",
                    crate::model::text::mask_userinfo(url)
                ));
            }
        }
        let mut urls = urls.into_iter();
        match urls.next() {
            Some(first) => Ok((first, urls.collect())),
            None => Err("an empty list: give a URL, or the URLs of an HA group".into()),
        }
    }
}
