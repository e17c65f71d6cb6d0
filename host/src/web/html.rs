//! HTML for the subscribe pages: escaping, the page frame with its inline
//! style and script, and the security headers whose Content-Security-Policy
//! allows exactly that style and script (by SHA-256 hash) and nothing else.

use hyper::header::HeaderValue;
use sha2::{Digest, Sha256};

use crate::escape::{base64, html as escape};

/// The pages' only stylesheet, inline.
pub const STYLE: &str = "body{margin:0;background:#f7f7f4;color:#1d1d1b;font:16px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans',sans-serif}\
header{background:#1f3a4d;color:#fff;padding:1.5rem 2rem}\
header h1{margin:0;font-size:1.9rem;line-height:1.2}\
header p{margin:.3rem 0 0;color:#d8e4ec}\
main{max-width:46rem;margin:0 auto;padding:1rem 2rem 3rem}\
h2{font-size:1.25rem;margin:1.8rem 0 .6rem;color:#1f3a4d}\
ul.links{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:.6rem}\
ul.links a{display:inline-block;padding:.55rem .9rem;border-radius:.4rem;background:#2b6a8e;color:#fff;text-decoration:none;font-weight:600}\
ul.links a:focus,ul.links a:hover{background:#1f3a4d;outline:3px solid #f2b33d}\
.copy{display:flex;gap:.5rem;align-items:center;flex-wrap:wrap}\
.copy input{flex:1;min-width:18rem;padding:.45rem;font:14px ui-monospace,monospace;border:1px solid #999;border-radius:.3rem;background:#fff;color:#1d1d1b}\
.copy button{padding:.45rem .9rem;border:0;border-radius:.3rem;background:#1f3a4d;color:#fff;font-weight:600;cursor:pointer}\
table{border-collapse:collapse;width:100%}\
th,td{text-align:left;padding:.35rem .6rem;border-bottom:1px solid #d9d9d4;vertical-align:top}\
tr.cancelled td{color:#7a2323;text-decoration:line-through}\
tr.cancelled td.state{text-decoration:none;font-weight:600}\
.note{color:#555;font-size:.92rem}\
p.where{margin:.2rem 0}\
form.answer button{margin-top:.6rem;padding:.7rem 1.2rem;border:0;border-radius:.4rem;background:#2b6a8e;color:#fff;font:600 1.05rem system-ui,sans-serif;cursor:pointer}\
form.answer button:focus,form.answer button:hover{background:#1f3a4d;outline:3px solid #f2b33d}\
main,header{overflow-wrap:anywhere}\
@media (max-width:40rem){header{padding:1rem}main{padding:.5rem 1rem 2rem}th,td{padding:.3rem .35rem}.copy input{min-width:0;width:100%}}";

/// The pages' only script: shows the Copy button and copies the feed URL.
/// Without it the URL stays selectable in its read-only field.
pub const SCRIPT: &str = "(function(){var b=document.getElementById('copy-button');var i=document.getElementById('feed-url');var s=document.getElementById('copy-status');if(!b||!i){return;}b.hidden=false;b.addEventListener('click',function(){i.focus();i.select();var done=function(){s.textContent='Copied.';};if(navigator.clipboard&&navigator.clipboard.writeText){navigator.clipboard.writeText(i.value).then(done,function(){document.execCommand('copy');done();});}else{document.execCommand('copy');done();}});})();";

/// A whole page: `title` (plain text) and `body` (HTML, already escaped).
pub fn page(title: &str, subtitle: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"referrer\" content=\"no-referrer\">\n\
         <meta name=\"robots\" content=\"noindex, nofollow\">\n\
         <title>{t} · subscribe</title>\n<style>{STYLE}</style>\n</head>\n<body>\n\
         <header><h1 id=\"title\">{t}</h1><p>{s}</p></header>\n<main>\n{body}</main>\n\
         <script>{SCRIPT}</script>\n</body>\n</html>\n",
        t = escape(title),
        s = escape(subtitle),
    )
}

/// A page without script whose forms post back to this site (the absence
/// pages): `title` (plain text) and `body` (HTML, already escaped).
pub fn form_page(title: &str, subtitle: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"referrer\" content=\"no-referrer\">\n\
         <meta name=\"robots\" content=\"noindex, nofollow\">\n\
         <title>{t}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n\
         <header><h1 id=\"title\">{t}</h1><p>{s}</p></header>\n<main>\n{body}</main>\n\
         </body>\n</html>\n",
        t = escape(title),
        s = escape(subtitle),
    )
}

/// The headers every page carries, computed once.
#[derive(Debug, Clone)]
pub struct PageHeaders {
    /// `Content-Security-Policy`: nothing but the inline style and script.
    pub csp: HeaderValue,
    /// The absence pages' policy: the inline style, no script, and forms
    /// that post to this site only.
    pub form_csp: HeaderValue,
}

impl Default for PageHeaders {
    fn default() -> Self {
        PageHeaders::new()
    }
}

impl PageHeaders {
    /// Computes the policy from [`STYLE`] and [`SCRIPT`].
    pub fn new() -> PageHeaders {
        let csp = format!(
            "default-src 'none'; style-src 'sha256-{}'; script-src 'sha256-{}'; \
             img-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
            base64(&Sha256::digest(STYLE.as_bytes())),
            base64(&Sha256::digest(SCRIPT.as_bytes())),
        );
        let form_csp = format!(
            "default-src 'none'; style-src 'sha256-{}'; img-src 'none'; base-uri 'none'; \
             form-action 'self'; frame-ancestors 'none'",
            base64(&Sha256::digest(STYLE.as_bytes())),
        );
        PageHeaders {
            csp: HeaderValue::from_str(&csp)
                .unwrap_or(HeaderValue::from_static("default-src 'none'")),
            form_csp: HeaderValue::from_str(&form_csp)
                .unwrap_or(HeaderValue::from_static("default-src 'none'")),
        }
    }
}

#[cfg(test)]
mod tests;
