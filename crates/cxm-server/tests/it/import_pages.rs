//! The import page and the dashboard as people use them: an upload's dry run before it is
//! imported once, valid rows alone with the rejects to download, complaint history from files,
//! monthly volumes uploaded by admins and rating the complaints on the scorecard; and the
//! dashboard broken down by the answer to a choice question.

use axum::http::StatusCode;
use cxm_app::{App, Role};

use crate::pages::{FORM_TOKEN, Pages, Person, hidden, href_after};

#[tokio::test]
async fn an_export_is_checked_on_the_import_page_then_imported_once() {
    let pages = Pages::open().await;
    let (_, analyst) = pages.person("wang", Role::Analyst).await;
    let surveys = pages.get(&analyst, "/surveys").await;
    assert!(
        surveys.html.contains("href=\"/imports\""),
        "{}",
        surveys.html
    );
    let form = pages.get(&analyst, "/imports").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.html.contains("multipart/form-data"));

    // r2 twice: the later copy is the one kept.
    let export = "response_id,submitted_at,推荐意愿,评论\n\
                  r1,2026-03-01 10:00,9,很好\n\
                  r2,2026-03-02 11:00,3,太慢\n\
                  r3,2026-03-03 12:00,10,\n\
                  r2,2026-03-02 11:00,4,太慢了\n";
    let preview = pages
        .upload(
            &analyst,
            "/imports",
            &[("survey", "visits"), ("format", "auto")],
            ("visits.csv", export.as_bytes()),
        )
        .await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.html);
    for shown in ["generic", "推荐意愿", "import-now", "4 rows"] {
        assert!(preview.html.contains(shown), "{shown}: {}", preview.html);
    }
    assert!(
        pages.app.survey("visits").await.is_err(),
        "a dry run creates nothing"
    );
    let token = hidden(&preview.html, "token");
    let done = pages
        .post(&analyst, "/imports/confirm", &[("token", token.as_str())])
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.html);
    assert!(done.html.contains("3 new responses"), "{}", done.html);
    assert!(
        done.html
            .contains("1 rows repeated another row of the file"),
        "{}",
        done.html
    );
    assert_eq!(pages.app.survey("visits").await.unwrap().responses, 3);
    // The upload is imported once: the same confirmation again is refused.
    let again = pages
        .post(&analyst, "/imports/confirm", &[("token", token.as_str())])
        .await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(again.html.contains("expired"), "{}", again.html);

    // A file with a bad row: its problem with row and column, and no import button.
    let bad = "response_id,submitted_at,推荐意愿\nr9,yesterday,8\n";
    let checked = pages
        .upload(
            &analyst,
            "/imports",
            &[("survey", "visits")],
            ("more.csv", bad.as_bytes()),
        )
        .await;
    assert_eq!(checked.status, StatusCode::OK);
    assert!(checked.html.contains("import-problems"), "{}", checked.html);
    assert!(checked.html.contains("yesterday") && checked.html.contains("submitted_at"));
    assert!(!checked.html.contains("import-now"), "{}", checked.html);
    // On a Chinese page, the columns and the problem read in Chinese.
    let (_, zhang) = pages.person_in("zhang", Role::Analyst, "zh").await;
    let checked_zh = pages
        .upload(
            &zhang,
            "/imports",
            &[("survey", "visits")],
            ("more.csv", bad.as_bytes()),
        )
        .await;
    assert!(
        checked_zh.html.contains("无法识别的时间") && checked_zh.html.contains("提交时间"),
        "{}",
        checked_zh.html
    );

    // A file with good and bad rows: the good ones only, on request, and the rejects to
    // download.
    let mixed = "response_id,submitted_at,推荐意愿\nr4,2026-03-04 10:00,8\nr5,someday,2\nr6,2026-03-06 10:00,10\n";
    let checked = pages
        .upload(
            &analyst,
            "/imports",
            &[("survey", "visits")],
            ("mixed.csv", mixed.as_bytes()),
        )
        .await;
    assert!(
        checked
            .html
            .contains("Import the 2 valid rows, leave out the 1 bad ones"),
        "{}",
        checked.html
    );
    let token = hidden(&checked.html, "token");
    let done = pages
        .post(
            &analyst,
            "/imports/confirm",
            &[("token", token.as_str()), ("skip_invalid", "1")],
        )
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.html);
    assert!(
        done.html.contains("2 new responses")
            && done.html.contains("1 rows with problems were left out"),
        "{}",
        done.html
    );
    assert_eq!(pages.app.survey("visits").await.unwrap().responses, 5);
    let at = done.html.find("/imports/rejects/").expect("a rejects link");
    let link = done.html[at..].split('"').next().unwrap().to_owned();
    let rejects = pages.get(&analyst, &link).await;
    assert_eq!(rejects.status, StatusCode::OK);
    assert!(
        rejects
            .html
            .starts_with("row,column,value,reason\n3,submitted_at,someday,"),
        "{}",
        rejects.html
    );
    let (_, other) = pages.person("li", Role::Analyst).await;
    assert_eq!(
        pages.get(&other, &link).await.status,
        StatusCode::NOT_FOUND,
        "only for the importer"
    );

    // A file without times: refused in the dry run, imported with a time for all its rows.
    let undated = "response_id,推荐意愿\nu1,9\nu2,6\n";
    let checked = pages
        .upload(
            &analyst,
            "/imports",
            &[("survey", "paper")],
            ("paper.csv", undated.as_bytes()),
        )
        .await;
    assert!(
        checked.html.contains("import-problems") && checked.html.contains("submitted_at"),
        "{}",
        checked.html
    );
    let dated = pages
        .upload(
            &analyst,
            "/imports",
            &[("survey", "paper"), ("submitted_at", "2024-06-30")],
            ("paper.csv", undated.as_bytes()),
        )
        .await;
    assert!(dated.html.contains("import-now"), "{}", dated.html);
    let token = hidden(&dated.html, "token");
    let done = pages
        .post(&analyst, "/imports/confirm", &[("token", token.as_str())])
        .await;
    assert!(done.html.contains("2 new responses"), "{}", done.html);
    let bad_time = pages
        .upload(
            &analyst,
            "/imports",
            &[("survey", "paper"), ("submitted_at", "midsummer")],
            ("paper.csv", undated.as_bytes()),
        )
        .await;
    assert_eq!(bad_time.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad_time.html.contains("submitted_at"), "{}", bad_time.html);

    // Complaint history, from the same page: stored once, a bad file refused whole.
    let inbox = pages.get(&analyst, "/cases").await;
    assert!(inbox.html.contains("/imports#complaints"), "{}", inbox.html);
    let history = "工单号,投诉时间,投诉内容,处理状态\n\
                   T-1,2026-03-02,快递三天都没到,已结案\n\
                   T-2,2026-03-05,客服态度差,处理中\n";
    let stored = pages
        .upload(
            &analyst,
            "/imports/complaints",
            &[("summary", "")],
            ("投诉.csv", history.as_bytes()),
        )
        .await;
    assert_eq!(stored.status, StatusCode::OK, "{}", stored.html);
    assert!(
        stored
            .html
            .contains("2 complaint cases stored (1 open, 1 closed history); 0 were"),
        "{}",
        stored.html
    );
    let again = pages
        .upload(
            &analyst,
            "/imports/complaints",
            &[],
            ("投诉.csv", history.as_bytes()),
        )
        .await;
    assert!(
        again.html.contains("0 complaint cases stored")
            && again.html.contains("2 were imported before")
    );
    let bad = pages
        .upload(
            &analyst,
            "/imports/complaints",
            &[("summary", "问题")],
            ("投诉.csv", history.as_bytes()),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.html.contains("问题"), "{}", bad.html);
    assert_eq!(
        pages
            .app
            .cases(&cxm_app::CaseFilter::default())
            .await
            .unwrap()
            .len(),
        2
    );

    // Viewers may not import; a form without the session's token is refused.
    let (_, viewer) = pages.person("zhao", Role::Viewer).await;
    assert_eq!(
        pages.get(&viewer, "/imports").await.status,
        StatusCode::FORBIDDEN
    );
    let forged = Person {
        cookie: analyst.cookie.clone(),
        csrf: FORM_TOKEN.to_owned(),
    };
    let refused = pages
        .upload(&forged, "/imports", &[], ("visits.csv", export.as_bytes()))
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn admins_upload_monthly_volumes_that_rate_the_complaints() {
    let pages = Pages::open().await;
    let (_, admin) = pages.person("wang", Role::Admin).await;
    let (_, analyst) = pages.person("li", Role::Analyst).await;
    // Two complaints received now, and no volume yet: the scorecard says what is missing.
    let history = "投诉内容\n快递三天都没到\n客服态度差\n";
    let stored = pages
        .upload(
            &analyst,
            "/imports/complaints",
            &[],
            ("投诉.csv", history.as_bytes()),
        )
        .await;
    assert_eq!(stored.status, StatusCode::OK, "{}", stored.html);
    let card = pages.get(&admin, "/cases/scorecard").await;
    assert!(card.html.contains("id=\"no-volumes\""), "{}", card.html);

    // Only admins see the form and may send it.
    assert!(
        !pages
            .get(&analyst, "/imports")
            .await
            .html
            .contains("volumes-upload")
    );
    let month = cxm_domain::TimeZone::parse("Asia/Shanghai")
        .unwrap()
        .today()
        .format("%Y年%-m月")
        .to_string();
    let volumes = format!("月份,订单数\n{month},\"1,000\"\n");
    let refused = pages
        .upload(
            &analyst,
            "/imports/volumes",
            &[],
            ("订单.csv", volumes.as_bytes()),
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(
        pages
            .get(&admin, "/imports")
            .await
            .html
            .contains("volumes-upload")
    );

    // A bad row is named and nothing is recorded.
    let bad = pages
        .upload(
            &admin,
            "/imports/volumes",
            &[],
            ("订单.csv", "月份,订单数\n下个月,5\n".as_bytes()),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.html.contains("row 2") && bad.html.contains("月份"),
        "{}",
        bad.html
    );
    // On a Chinese page, in Chinese.
    let (_, zhou) = pages.person_in("zhou", Role::Admin, "zh").await;
    let bad_zh = pages
        .upload(
            &zhou,
            "/imports/volumes",
            &[],
            ("订单.csv", "月份,订单数\n下个月,5\n".as_bytes()),
        )
        .await;
    assert!(
        bad_zh.html.contains("第 2 行，月份：") && bad_zh.html.contains("不是月份"),
        "{}",
        bad_zh.html
    );

    let recorded = pages
        .upload(
            &admin,
            "/imports/volumes",
            &[],
            ("订单.csv", volumes.as_bytes()),
        )
        .await;
    assert_eq!(recorded.status, StatusCode::OK, "{}", recorded.html);
    assert!(
        recorded.html.contains("1 monthly volumes recorded"),
        "{}",
        recorded.html
    );
    // Two complaints in 1,000 orders: 2 per thousand.
    let card = pages.get(&admin, "/cases/scorecard").await;
    assert!(!card.html.contains("id=\"no-volumes\""), "{}", card.html);
    assert!(card.html.contains("2.00‰"), "{}", card.html);
}

#[tokio::test]
async fn the_dashboard_breaks_down_by_a_choice_questions_answer() {
    let pages = Pages::open().await;
    let (_, analyst) = pages.person("wang", Role::Analyst).await;
    let survey = App::parse_survey_toml(
        "key = \"menu\"\nstatus = \"live\"\n[[questions]]\nkey = \"nps\"\nkind = \"nps\"\n\
         [[questions]]\nkey = \"dish\"\nkind = \"single_choice\"\ntext = { zh = \"点了哪道菜\" }\n\
         options = [{ key = \"noodles\", text = { zh = \"面条\" } }, { key = \"rice\", text = { zh = \"米饭\" } }]\n\
         [[questions]]\nkey = \"note\"\nkind = \"text\"\n",
    )
    .unwrap();
    pages.app.create_survey(&survey).await.unwrap();
    let lines: String = [(9, "noodles", "面很筋道"), (10, "noodles", "汤很好喝"), (2, "rice", "米饭太硬了")]
        .iter()
        .enumerate()
        .map(|(i, (nps, dish, note))| {
            format!(
                "{{\"survey\": \"menu\", \"id\": \"{i}\", \"submitted_at\": \"2026-03-0{}T10:00:00+08:00\", \"answers\": {{\"nps\": {nps}, \"dish\": \"{dish}\", \"note\": \"{note}\"}}}}\n",
                i + 1
            )
        })
        .collect();
    pages
        .app
        .ingest_reader(
            lines.as_bytes(),
            cxm_app::IngestFormat::JsonLines,
            None,
            None,
        )
        .await
        .unwrap();
    let page = pages
        .get(
            &analyst,
            "/dashboard?survey=menu&since=2026-03-01&until=2026-03-31&by=answer%3Adish",
        )
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.html);
    assert!(
        page.html.contains("汤很好喝"),
        "every comment before filtering"
    );
    // Offered by the question's text, and shown by the options' labels.
    assert!(
        page.html
            .contains("<option value=\"answer:dish\" selected>点了哪道菜</option>"),
        "{}",
        page.html
    );
    let table = &page.html[page
        .html
        .find("id=\"breakdown\"")
        .expect("a breakdown table")..];
    let table = &table[..table.find("</table>").unwrap()];
    for shown in ["面条", "米饭", "100.0", "-100.0"] {
        assert!(table.contains(shown), "{shown}: {table}");
    }
    // A group filters the page to the responses that chose it.
    let rice = table
        .split("<tr>")
        .find(|row| row.contains("米饭"))
        .expect("a rice row");
    let href = href_after(rice, "href=\"").expect("the group links to its filter");
    assert!(href.contains("filter.answer%3Adish="), "{href}");
    let filtered = pages.get(&analyst, &href).await;
    assert_eq!(filtered.status, StatusCode::OK, "{}", filtered.html);
    let tile = filtered
        .html
        .find("id=\"tile-nps\"")
        .map(|at| &filtered.html[at..])
        .unwrap_or_else(|| panic!("an NPS tile: {}", filtered.html));
    assert!(tile.contains("data-value=\"-100.0"), "{tile}");
    // The latest comments are those of the same responses.
    let comments = &filtered.html[filtered.html.find("id=\"comments\"").expect("comments")..];
    assert!(comments.contains("米饭太硬了"), "{comments}");
    assert!(!comments.contains("汤很好喝"), "{comments}");
    // Its responses in the explorer, with the same filter in force.
    let href = href_after(&filtered.html, "id=\"see-responses\" href=\"")
        .expect("a link to the responses");
    let explorer = pages.get(&analyst, &href).await;
    assert_eq!(explorer.status, StatusCode::OK, "{}", explorer.html);
    let table = &explorer.html[explorer.html.find("id=\"responses\"").expect("a table")..];
    assert_eq!(
        table.matches("<tr>").count(),
        2,
        "a header and one response: {table}"
    );
    assert!(table.contains("米饭太硬了"), "{table}");
    assert!(
        explorer.html.contains("点了哪道菜 = 米饭"),
        "{}",
        explorer.html
    );
    // The explorer's own form adds the same filter: the question is offered by its text.
    let unfiltered = pages.get(&analyst, "/responses?survey=menu").await;
    assert!(
        unfiltered
            .html
            .contains("<option value=\"answer:dish\">点了哪道菜</option>"),
        "{}",
        unfiltered.html
    );
    let added = pages
        .get(
            &analyst,
            "/responses?survey=menu&channel=&add=answer%3Adish&add_value=%E7%B1%B3%E9%A5%AD",
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.html);
    assert_eq!(
        added.location,
        "/responses?survey=menu&channel=&filter.answer%3Adish=%E7%B1%B3%E9%A5%AD"
    );
    let explorer = pages.get(&analyst, &added.location).await;
    let table = &explorer.html[explorer.html.find("id=\"responses\"").expect("a table")..];
    assert_eq!(table.matches("<tr>").count(), 2, "{table}");
    assert!(table.contains("米饭太硬了"), "{table}");
    // A field without a value adds nothing.
    let nothing = pages
        .get(
            &analyst,
            "/responses?survey=menu&add=answer%3Adish&add_value=",
        )
        .await;
    assert_eq!(nothing.location, "/responses?survey=menu");
}

#[tokio::test]
async fn every_problem_of_a_bad_row_reads_in_chinese_on_a_chinese_page() {
    let pages = Pages::open().await;
    let (_, zhang) = pages.person_in("zhang", Role::Analyst, "zh").await;
    let survey = App::parse_survey_toml(
        "key = \"store\"\nstatus = \"live\"\n[[questions]]\nkey = \"nps\"\nkind = \"nps\"\n\
         [[questions]]\nkey = \"dish\"\nkind = \"single_choice\"\n\
         options = [{ key = \"rice\", text = { zh = \"米饭\" } }]\n",
    )
    .unwrap();
    pages.app.create_survey(&survey).await.unwrap();
    // One bad cell of each kind a row of an export can have.
    let file = "response_id,submitted_at,complete,nps,dish\n\
                ,2026-03-01 10:00,1,9,rice\n\
                r2,someday,1,9,rice\n\
                r3,2026-03-01 10:00,maybe,9,rice\n\
                r4,2026-03-01 10:00,1,12,rice\n\
                r5,2026-03-01 10:00,1,abc,rice\n\
                r6,2026-03-01 10:00,1,9,面条\n\
                r7,1969-12-31 10:00,1,9,rice\n\
                r8,2026-03-01 10:00,1,9,rice\n";
    let checked = pages
        .upload(
            &zhang,
            "/imports",
            &[("survey", "store")],
            ("store.csv", file.as_bytes()),
        )
        .await;
    assert_eq!(checked.status, StatusCode::OK, "{}", checked.html);
    let table = &checked.html[checked
        .html
        .find("id=\"import-problems\"")
        .unwrap_or_else(|| panic!("problems: {}", checked.html))..];
    let body = &table[table.find("<tbody>").unwrap()..table.find("</tbody>").unwrap()];
    let reasons: Vec<&str> = body
        .split("<tr>")
        .skip(1)
        .map(|row| {
            let last = row.rfind("<td>").unwrap() + "<td>".len();
            &row[last..row[last..].find("</td>").unwrap() + last]
        })
        .collect();
    assert_eq!(reasons.len(), 7, "{body}");
    for reason in reasons {
        assert!(
            reason
                .chars()
                .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
                && ![" is ", "not ", "the "].iter().any(|w| reason.contains(w)),
            "{reason}"
        );
    }
}

#[tokio::test]
async fn a_workbooks_sheet_is_chosen_on_the_import_page() {
    use cxm_formats::Cell;
    let pages = Pages::open().await;
    let (_, analyst) = pages.person("wang", Role::Analyst).await;
    let mut workbook = cxm_formats::WideXlsxWriter::new();
    let headers = ["response_id", "submitted_at", "nps"];
    let text = |s: &str| Cell::Text(s.to_owned());
    workbook.sheet("Summary", &headers).unwrap();
    workbook
        .write(&[text("s1"), text("2026-03-01 10:00"), Cell::Number(9.0)])
        .unwrap();
    workbook.sheet("Raw data", &headers).unwrap();
    for (id, nps) in [("r1", 10.0), ("r2", 2.0)] {
        workbook
            .write(&[text(id), text("2026-03-02 10:00"), Cell::Number(nps)])
            .unwrap();
    }
    let mut bytes = Vec::new();
    workbook.finish(&mut bytes).unwrap();
    let preview = pages
        .upload(
            &analyst,
            "/imports",
            &[("survey", "book"), ("sheet", "Raw data")],
            ("book.xlsx", &bytes),
        )
        .await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.html);
    for shown in ["&#34;Raw data&#34;", "2 rows", "import-now"] {
        assert!(preview.html.contains(shown), "{shown}: {}", preview.html);
    }
    let token = hidden(&preview.html, "token");
    let done = pages
        .post(&analyst, "/imports/confirm", &[("token", token.as_str())])
        .await;
    assert!(done.html.contains("2 new responses"), "{}", done.html);
    // A sheet the workbook lacks: the page says which it has.
    let missing = pages
        .upload(
            &analyst,
            "/imports",
            &[("survey", "book"), ("sheet", "Raw")],
            ("book.xlsx", &bytes),
        )
        .await;
    assert!(
        missing.html.contains("its sheets: Summary, Raw data"),
        "{}",
        missing.html
    );
}
