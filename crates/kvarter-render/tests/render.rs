//! Map images from the Husum test dataset and the embedded default data: pixels of the decoded
//! PNG, the words of the SVG, the PDF checked by qpdf and pdftotext (installed by
//! `scripts/setup-pdf-tools`), and the same bytes twice.

#![allow(
    clippy::unwrap_used,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "tests fail loudly; pixel positions are small and positive"
)]

use std::path::Path;
use std::process::Command;

use kvarter_render::{
    Designation, Extent, Format, Lang, LegendPlacement, MapPanel, Paper, RenderError,
    RenderRequest, Renderer, View,
};
use kvarter_service::{Service, ServiceConfig};
use kvarter_testkit::husum;
use resvg::tiny_skia::Pixmap;

fn husum_service() -> Service {
    Service::new(husum::dataset(), ServiceConfig::default())
}

fn side(from: i32, to: i32) -> RenderRequest {
    RenderRequest::new(View::Side {
        from: Designation::Year(from),
        to: Designation::Year(to),
    })
}

/// The RGB of the pixel at CSS pixel (`x`, `y`) of a PNG rendered at `scale`.
fn rgb(png: &Pixmap, (x, y): (f64, f64), scale: f64) -> [u8; 3] {
    let pixel = png
        .pixel((x * scale) as u32, (y * scale) as u32)
        .unwrap_or_else(|| panic!("({x}, {y}) is outside the image"));
    [pixel.red(), pixel.green(), pixel.blue()]
}

/// The spread of brightness in a square of `radius` CSS pixels around `at`.
fn spread(png: &Pixmap, at: (f64, f64), radius: i32) -> i32 {
    let mut values = Vec::new();
    for dy in -radius..=radius {
        for dx in -radius..=radius {
            let [r, g, b] = rgb(png, (at.0 + f64::from(dx), at.1 + f64::from(dy)), 1.0);
            values.push(i32::from(r) + i32::from(g) + i32::from(b));
        }
    }
    values.iter().max().unwrap() - values.iter().min().unwrap()
}

fn reddish([r, _, b]: [u8; 3]) -> bool {
    i32::from(r) - i32::from(b) > 40
}

#[test]
fn a_side_by_side_png_shows_the_2017_fill_in_its_right_panel_the_2011_hatch_in_its_left_and_nothing_outside()
 {
    let service = husum_service();
    let renderer = Renderer::new();
    let request = RenderRequest {
        width: 1600,
        height: 1000,
        legend: LegendPlacement::None,
        ..side(2011, 2017)
    };
    let png =
        Pixmap::decode_png(&renderer.render(&service, &request, Format::Png).unwrap()).unwrap();
    assert_eq!((png.width(), png.height()), (1600, 1000));
    let panels: Vec<MapPanel> = renderer.panels(&service, &request).unwrap();
    let [left, right] = panels.as_slice() else {
        panic!("two panels")
    };

    // Bispebjerg NV (2017 only, official): solid fill on the right, no designation on the left.
    let in_2017_only = (12.493, 55.7015);
    let filled = rgb(&png, right.point(in_2017_only.0, in_2017_only.1), 1.0);
    assert!(reddish(filled), "2017 fill expected, found {filled:?}");
    let empty = rgb(&png, left.point(in_2017_only.0, in_2017_only.1), 1.0);
    assert!(
        !reddish(empty),
        "no 2011 designation there, found {empty:?}"
    );
    assert!(
        spread(&png, right.point(in_2017_only.0, in_2017_only.1), 4) < 20,
        "a solid fill"
    );

    // Husum/Tingbjerg 2011 (reconstructed) only: hatched on the left, not designated on the right.
    let in_2011_only = (12.4425, 55.7175);
    assert!(
        spread(&png, left.point(in_2011_only.0, in_2011_only.1), 4) > 60,
        "the hatch of a reconstructed layer"
    );
    assert!(!reddish(rgb(
        &png,
        right.point(in_2011_only.0, in_2011_only.1),
        1.0
    )));
}

#[test]
fn the_png_has_the_requested_size_times_its_scale() {
    let request = RenderRequest {
        width: 640,
        height: 400,
        scale: 2,
        ..side(2011, 2017)
    };
    let bytes = Renderer::new()
        .render(&husum_service(), &request, Format::Png)
        .unwrap();
    let png = Pixmap::decode_png(&bytes).unwrap();
    assert_eq!((png.width(), png.height()), (1280, 800));
}

#[test]
fn the_svg_names_every_layers_status_source_and_licence_the_data_version_and_the_date() {
    let service = husum_service();
    let request = RenderRequest {
        lang: Lang::En,
        units: vec![husum::UNITS.to_owned()],
        ..side(2011, 2017)
    };
    let svg = Renderer::new().svg(&service, &request).unwrap();
    for layer in service.layers() {
        let meta = &layer.meta;
        assert!(
            svg.contains(&meta.source.publisher),
            "{}: publisher",
            meta.id
        );
        assert!(svg.contains(&meta.licence), "{}: licence", meta.id);
    }
    for word in ["reconstructed", "official", "Legend", "2011 – ", "2017 – "] {
        assert!(svg.contains(word), "{word}");
    }
    assert!(svg.contains(service.data_version()));
    assert!(svg.contains("hatch-reconstructed"));
    assert!(
        !svg.contains("changed"),
        "data built in memory records no change, so no date is printed"
    );
}

#[test]
fn the_footer_dates_the_data_by_its_last_recorded_change_not_by_the_clock() {
    let dir = tempfile::tempdir().unwrap();
    let layers: Vec<(String, kvarter_core::Layer)> = husum::dataset()
        .layers
        .into_iter()
        .filter(|layer| layer.meta.id.as_str() != husum::BASE)
        .map(|layer| (format!("{}.fgb", layer.meta.id), layer))
        .collect();
    kvarter_data::build::write_data_folder(dir.path(), &layers, &[]).unwrap();
    kvarter_data::import::remove(dir.path(), husum::Y2011, &mut |_| {}).unwrap();
    let source = kvarter_data::store::DataDir::new(dir.path());
    let service = Service::load(&source, ServiceConfig::default()).unwrap();
    let day = service.data_changed().unwrap();
    let request = RenderRequest {
        lang: Lang::En,
        ..RenderRequest::new(View::Single(Designation::Year(2017)))
    };
    let svg = Renderer::new().svg(&service, &request).unwrap();
    assert!(svg.contains(&format!("(changed {day})")), "{svg}");
}

#[test]
fn a_changes_map_shows_kept_added_and_removed_with_the_comparisons_status() {
    let service = husum_service();
    let renderer = Renderer::new();
    let request = RenderRequest {
        lang: Lang::En,
        ..RenderRequest::new(View::Changes {
            from: Designation::Year(2011),
            to: Designation::Year(2017),
        })
    };
    let svg = renderer.svg(&service, &request).unwrap();
    for word in [
        "Designated in both years",
        "Added",
        "Removed",
        "weaker side: reconstructed",
        "hatch-removed",
    ] {
        assert!(svg.contains(word), "{word}");
    }
    let png =
        Pixmap::decode_png(&renderer.render(&service, &request, Format::Png).unwrap()).unwrap();
    let panel = renderer.panels(&service, &request).unwrap()[0];
    let [r, g, b] = rgb(&png, panel.point(12.4685, 55.7185), 1.0);
    assert!(b > g + 25 && r > g, "kept is purple, found {:?}", [r, g, b]);
}

#[test]
fn the_same_request_gives_the_same_svg_and_png_bytes() {
    let service = husum_service();
    let request = side(2011, 2017);
    for format in [Format::Svg, Format::Png] {
        let first = Renderer::new().render(&service, &request, format).unwrap();
        let second = Renderer::new().render(&service, &request, format).unwrap();
        assert!(first == second, "{format:?} differs between two renders");
    }
}

#[test]
fn the_pdf_of_the_same_request_has_the_same_bytes() {
    let service = husum_service();
    for request in [
        side(2011, 2017),
        side(2011, 2017).on_paper(Paper::A4Landscape),
    ] {
        let first = Renderer::new()
            .render(&service, &request, Format::Pdf)
            .unwrap();
        let second = Renderer::new()
            .render(&service, &request, Format::Pdf)
            .unwrap();
        assert!(first == second, "two PDFs of {request:?} differ");
    }
}

fn installed(tool: &str) -> bool {
    Command::new(tool).arg("--version").output().is_ok()
}

#[test]
fn the_pdf_is_valid_and_its_text_is_text() {
    let service = husum_service();
    let request = RenderRequest {
        title: Some("Udsatte byområder i Husum".to_owned()),
        ..side(2011, 2017)
    };
    let pdf = Renderer::new()
        .render(&service, &request, Format::Pdf)
        .unwrap();
    assert!(pdf.starts_with(b"%PDF"));
    for tool in ["qpdf", "pdftotext"] {
        assert!(
            installed(tool),
            "{tool} is missing: run scripts/setup-pdf-tools (scripts/test does)"
        );
    }
    let dir = std::env::temp_dir().join(format!("kvarter-render-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("map.pdf");
    std::fs::write(&file, &pdf).unwrap();
    let check = Command::new("qpdf")
        .arg("--check")
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "qpdf --check: {}",
        String::from_utf8_lossy(&check.stdout)
    );
    let text = Command::new("pdftotext")
        .arg(&file)
        .arg("-")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    std::fs::remove_dir_all(&dir).ok();
    for word in [
        "Udsatte byområder i Husum",
        "Signaturforklaring",
        "rekonstrueret",
        "officiel",
        "Kilder",
        "Københavns Kommune",
        "Licens",
        "Baggrundskort",
    ] {
        assert!(
            text.contains(word),
            "pdftotext finds no {word:?} in:\n{text}"
        );
    }
}

#[test]
fn a_state_list_toggled_on_is_drawn_on_every_map_and_listed_without_part_of() {
    let service = Service::new(husum::with_state_lists(), ServiceConfig::default());
    let renderer = Renderer::new();
    let request = RenderRequest {
        lang: Lang::En,
        state_lists: vec![husum::EXPIRED_LIST.to_owned()],
        ..side(2011, 2017)
    };
    let svg = renderer.svg(&service, &request).unwrap();
    let title = &service
        .layers()
        .iter()
        .find(|layer| layer.meta.id.as_str() == husum::EXPIRED_LIST)
        .unwrap()
        .meta
        .title
        .en;
    assert!(svg.contains(title.as_str()), "the list in the legend");
    assert_eq!(
        svg.matches("url(#hatch-state)").count(),
        3,
        "hatched on both maps, and its legend swatch"
    );
    assert!(
        !svg.contains("Part of"),
        "toggled, not part of a designation"
    );
    let unknown = RenderRequest {
        state_lists: vec![husum::Y2011.to_owned()],
        ..request
    };
    let error = renderer.svg(&service, &unknown).unwrap_err().to_string();
    assert!(error.contains(husum::STATE_LIST), "{error}");
}

#[test]
fn bad_requests_are_refused_with_what_to_fix() {
    let service = husum_service();
    let renderer = Renderer::new();
    let too_wide = RenderRequest {
        width: 5000,
        ..side(2011, 2017)
    };
    let error = renderer.svg(&service, &too_wide).unwrap_err();
    assert!(matches!(error, RenderError::Invalid { field: "width", .. }) && !error.is_internal());

    let unknown = RenderRequest::new(View::Single(Designation::Layer("roder-1900".into())));
    let error = renderer.svg(&service, &unknown).unwrap_err().to_string();
    assert!(
        error.contains(husum::Y2011) && error.contains(husum::Y2017),
        "{error}"
    );

    let no_year = side(1999, 2017);
    let error = renderer.svg(&service, &no_year).unwrap_err().to_string();
    assert!(error.contains("1999") && error.contains("2011"), "{error}");

    let bad_units = RenderRequest {
        units: vec![husum::BASE.to_owned()],
        ..side(2011, 2017)
    };
    let error = renderer.svg(&service, &bad_units).unwrap_err().to_string();
    assert!(error.contains(husum::UNITS), "{error}");
}

fn default_service() -> Service {
    let geodata = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../geodata");
    let (dataset, _) = kvarter_data::dataset::load_dir(&geodata).expect("geodata/ loads");
    Service::new(dataset, ServiceConfig::default())
}

/// The committed `geodata/` with its indicators.
fn default_service_with_indicators() -> Service {
    let geodata = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../geodata");
    Service::load(
        &kvarter_data::store::DataDir::new(geodata),
        ServiceConfig::default(),
    )
    .expect("geodata/ loads")
}

/// Writes `bytes` to `$KVARTER_RENDER_OUT/name` when that variable is set (to look at them).
fn keep(name: &str, bytes: &[u8]) {
    if let Some(dir) = std::env::var_os("KVARTER_RENDER_OUT") {
        std::fs::write(Path::new(&dir).join(name), bytes).unwrap();
    }
}

#[test]
fn on_the_real_data_tingbjerg_is_filled_for_2025_and_hatched_for_2011_and_frederiksberg_is_never_designated()
 {
    let service = default_service();
    let renderer = Renderer::new();
    let request = side(2011, 2025);
    let png =
        Pixmap::decode_png(&renderer.render(&service, &request, Format::Png).unwrap()).unwrap();
    assert_eq!((png.width(), png.height()), (1200, 800));
    let panels = renderer.panels(&service, &request).unwrap();
    let [left, right] = panels.as_slice() else {
        panic!("two panels")
    };
    let tingbjerg = (12.4795, 55.7125);
    let fill = rgb(&png, right.point(tingbjerg.0, tingbjerg.1), 1.0);
    assert!(reddish(fill), "the designation fill in 2025: {fill:?}");
    assert!(
        spread(&png, left.point(tingbjerg.0, tingbjerg.1), 4) > 60,
        "the 2011 reconstruction's hatch"
    );
    for panel in [left, right] {
        let frederiksberg = rgb(&png, panel.point(12.5155, 55.6815), 1.0);
        assert!(!reddish(frederiksberg), "Frederiksberg: {frederiksberg:?}");
    }
    // No 2025 layer is loaded: the right panel is the designation in force on 1 January 2025,
    // and says so.
    let svg = renderer.svg(&service, &request).unwrap();
    assert_eq!(
        svg.matches("2025 – gældende pr. 1. januar 2025: Udsatte")
            .count(),
        2,
        "the panel's year label and the legend's entry"
    );
    assert!(svg.contains("byområder 2017"), "the legend names the layer");
}

#[test]
fn an_indicator_colours_the_districts_in_classes_with_its_legend_and_sources() {
    let service = default_service_with_indicators();
    let renderer = Renderer::new();
    let request = RenderRequest {
        units: vec!["bydele-2023".to_owned()],
        indicator: Some("population".to_owned()),
        legend: LegendPlacement::Right,
        ..RenderRequest::new(View::Single(Designation::Year(2017)))
    };
    let svg = renderer.svg(&service, &request).unwrap();
    keep(
        "render-choropleth.png",
        &renderer.render(&service, &request, Format::Png).unwrap(),
    );
    // The legend: the indicator with its unit and period, five classes and no data.
    assert!(
        svg.contains("Befolkning (personer), 2019"),
        "the indicator, its unit and period"
    );
    assert!(svg.contains("Farvelægges på: Bydele"));
    assert!(svg.contains("Ingen data"));
    assert_eq!(svg.matches("≥ ").count(), 1, "one open top class");
    for colour in &renderer.style().colours.ramp {
        assert!(svg.contains(colour.as_str()), "class colour {colour}");
    }
    // Its dataset is among the sources.
    assert!(svg.contains("Københavns Kommune"));

    // The same request in English; an unknown indicator and a period alone are refused.
    let english = RenderRequest {
        lang: Lang::En,
        ..request.clone()
    };
    assert!(
        renderer
            .svg(&service, &english)
            .unwrap()
            .contains("Coloured on")
    );
    let unknown = RenderRequest {
        indicator: Some("happiness".to_owned()),
        ..request.clone()
    };
    let error = renderer.svg(&service, &unknown).unwrap_err();
    assert!(
        matches!(
            error,
            RenderError::Invalid {
                field: "indicator",
                ..
            }
        ),
        "{error}"
    );
    assert!(error.to_string().contains("population"), "{error}");
    let period_alone = RenderRequest {
        indicator: None,
        period: Some("2019".to_owned()),
        ..request
    };
    assert!(matches!(
        renderer.svg(&service, &period_alone).unwrap_err(),
        RenderError::Invalid {
            field: "period",
            ..
        }
    ));
}

#[test]
fn unit_names_are_labelled_from_the_zoom_the_web_map_shows_them_at() {
    let service = default_service();
    let renderer = Renderer::new();
    let close = RenderRequest {
        units: vec!["kvarterer-2023".to_owned()],
        extent: Extent::parse_centre("12.545,55.692", "14.6").unwrap(),
        legend: LegendPlacement::None,
        ..RenderRequest::new(View::Single(Designation::Year(2017)))
    };
    let name = "Stefansgade/Nørrebroparken/Lundtoftegade";
    assert!(renderer.svg(&service, &close).unwrap().contains(name));
    // The whole city: more than 50 kvarterer, so no names (as on the web map below zoom 14).
    let far = RenderRequest {
        extent: Extent::Fit,
        ..close
    };
    assert!(!renderer.svg(&service, &far).unwrap().contains(name));
}

#[test]
fn the_default_data_renders_copenhagen_2011_and_2017_with_frederiksberg_undesignated() {
    let service = default_service();
    let renderer = Renderer::new();
    let request = RenderRequest {
        units: vec!["bydele-2023".to_owned()],
        ..side(2011, 2017)
    };
    let bytes = renderer.render(&service, &request, Format::Png).unwrap();
    keep("render-side.png", &bytes);
    let png = Pixmap::decode_png(&bytes).unwrap();
    let panels = renderer.panels(&service, &request).unwrap();
    // Frederiksberg (its own municipality) is in no Copenhagen designation, in either year.
    for panel in &panels {
        let frederiksberg = rgb(&png, panel.point(12.5155, 55.6815), 1.0);
        assert!(!reddish(frederiksberg), "Frederiksberg: {frederiksberg:?}");
    }
    let pdf = renderer.render(&service, &request, Format::Pdf).unwrap();
    keep("render-side.pdf", &pdf);
    let changes = RenderRequest {
        lang: Lang::En,
        legend: LegendPlacement::Bottom,
        ..RenderRequest::new(View::Changes {
            from: Designation::Year(2011),
            to: Designation::Year(2017),
        })
    };
    keep(
        "render-changes.png",
        &renderer.render(&service, &changes, Format::Png).unwrap(),
    );
    let zoomed = RenderRequest {
        extent: Extent::parse_centre("12.47,55.715", "13.5").unwrap(),
        ..RenderRequest::new(View::Single(Designation::Year(2017)))
    };
    keep(
        "render-single.png",
        &renderer.render(&service, &zoomed, Format::Png).unwrap(),
    );
}
