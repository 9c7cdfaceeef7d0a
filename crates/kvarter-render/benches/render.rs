//! Map image benchmarks on the committed default dataset (`geodata/`): one [`Renderer::render`]
//! per iteration, from the request to the encoded bytes — the plan, the SVG scene, and for PNG
//! usvg's parse plus resvg's rasterisation and the PNG encoding, for PDF usvg's parse plus the
//! PDF writer. This is what a request that misses the image cache costs.
//!
//! Groups, one per view: `single 2017`, `side 2011|2017` and `changes 2011→2017`, each at the
//! default 1200 × 800 with the legend on the right, as `png` (scale 1), `png@2x` (scale 2,
//! 2400 × 1600 pixels), `svg` and `pdf`. The comparison a changes map shows is computed by the
//! service on first use and kept (as it is in the server); that first use happens before the
//! measurement and its time is printed, as is each image's size.
//!
//! Run: `cargo bench -p kvarter-render --bench render -- --warm-up-time 1 --measurement-time 3`

#![allow(
    clippy::unwrap_used,
    reason = "benchmark set-up on the committed dataset"
)]
#![allow(
    missing_docs,
    reason = "criterion_group! generates an undocumented pub fn"
)]

use std::hint::black_box;
use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use kvarter_render::{Designation, Format, RenderRequest, Renderer, View};
use kvarter_service::{Service, ServiceConfig};

fn default_service() -> Service {
    let geodata = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../geodata");
    let (dataset, _) = kvarter_data::dataset::load_dir(&geodata).unwrap();
    Service::new(dataset, ServiceConfig::default())
}

fn render(c: &mut Criterion) {
    let service = default_service();
    let renderer = Renderer::new();
    let year = Designation::Year;
    let views = [
        ("single 2017", View::Single(year(2017))),
        (
            "side 2011|2017",
            View::Side {
                from: year(2011),
                to: year(2017),
            },
        ),
        (
            "changes 2011→2017",
            View::Changes {
                from: year(2011),
                to: year(2017),
            },
        ),
    ];
    for (name, view) in views {
        let one = RenderRequest::new(view);
        let two = RenderRequest {
            scale: 2,
            ..one.clone()
        };
        let mut group = c.benchmark_group(name);
        group.sample_size(20);
        for (format_name, request, format) in [
            ("png", &one, Format::Png),
            ("png@2x", &two, Format::Png),
            ("svg", &one, Format::Svg),
            ("pdf", &one, Format::Pdf),
        ] {
            let start = Instant::now();
            let bytes = renderer.render(&service, request, format).unwrap().len();
            eprintln!(
                "{name} {format_name}: {bytes} bytes; first render {:.1} ms",
                start.elapsed().as_secs_f64() * 1e3
            );
            group.bench_function(format_name, |b| {
                b.iter(|| {
                    renderer
                        .render(&service, black_box(request), format)
                        .unwrap()
                });
            });
        }
        group.finish();
    }
}

criterion_group!(benches, render);
criterion_main!(benches);
