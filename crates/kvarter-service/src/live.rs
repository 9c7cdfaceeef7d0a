//! The service a running process answers from, replaced whole: a reload builds a new
//! [`Service`] beside the current one and swaps it in with one atomic store. Requests that
//! already took the current one finish with it; every later request gets the new one; none
//! sees a mix.

use std::sync::Arc;

use arc_swap::ArcSwap;

use crate::service::Service;

/// The current [`Service`], swappable while it is being read.
#[derive(Debug)]
pub struct Live {
    current: ArcSwap<Service>,
}

impl Live {
    /// Starts with `service`.
    pub fn new(service: Service) -> Self {
        Self {
            current: ArcSwap::from_pointee(service),
        }
    }

    /// The service now. Take it once per request and answer from it, so one answer comes from
    /// one version.
    pub fn current(&self) -> Arc<Service> {
        self.current.load_full()
    }

    /// Replaces the service: requests in flight keep the one they took.
    pub fn replace(&self, service: Service) {
        self.current.store(Arc::new(service));
    }
}

#[cfg(test)]
mod tests {
    use kvarter_core::Dataset;

    use super::*;
    use crate::ServiceConfig;

    fn service(version: &str) -> Service {
        let dataset = Dataset {
            version: version.into(),
            layers: vec![],
        };
        Service::new(dataset, ServiceConfig::default())
    }

    #[test]
    fn a_request_keeps_the_service_it_took_while_later_ones_get_the_new_one() {
        let live = Live::new(service("one"));
        let taken = live.current();
        live.replace(service("two"));
        assert_eq!(taken.data_version(), "one");
        assert_eq!(live.current().data_version(), "two");
    }
}
