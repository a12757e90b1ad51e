# Reference values for the researcher's API (src/analysis/lab/, tests/test_lab.py) from R's survey.
#
# Run from the repository root, after make_reference.R (it reads that script's fixture):
#   Rscript tests/reference/r_survey/make_lab_reference.R
# Writes lab_reference.csv: case, estimate, se, deff (10 significant digits):
#   srs/…      a simple random sample design (svydesign(id = ~1)), as analysis.lab builds when the
#              survey is not weighted: the domain estimates of subset(design, district == …), whose
#              standard errors differ from those of the filtered rows
#   raked/…    the fixture's raked weights (fixture_weights.csv) with districts as strata and
#              communities as clusters: svymean(…, deff = TRUE), the design effect as a variance ratio
suppressPackageStartupMessages(library(survey))
invisible(Sys.setlocale("LC_CTYPE", "C.UTF-8"))
options(survey.lonely.psu = "fail", digits = 10)
here <- "tests/reference/r_survey"
sig <- function(x) signif(x, 10)
fx <- read.csv(file.path(here, "fixture.csv"), fileEncoding = "UTF-8")
wt <- read.csv(file.path(here, "fixture_weights.csv"))
fx$w <- wt$raked[match(fx$id, wt$id)]
rows <- list()
add <- function(case, m, deff = NA) {
  for (k in seq_along(coef(m))) {
    rows[[length(rows) + 1]] <<- data.frame(case = paste0(case, "/", names(coef(m))[k]), estimate = sig(coef(m)[[k]]),
                                            se = sig(SE(m)[[k]]), deff = sig(if (is.na(deff[1])) NA else deff[[k]]))
  }
}
srs <- svydesign(id = ~1, data = fx)
add("srs/all/sat", svymean(~factor(sat_overall), srs))
for (d in sort(unique(fx$district))) {
  sub <- subset(srs, district == d)
  add(paste0("srs/district=", d, "/sat"), svymean(~factor(sat_overall), sub))
  add(paste0("srs/district=", d, "/mean"), svymean(~sat_overall, sub))
}
raked <- svydesign(id = ~community, strata = ~district, weights = ~w, data = fx)
m <- svymean(~sat_overall, raked, deff = TRUE)
add("raked/all/mean", m, deff(m))
m <- svymean(~factor(sat_overall), raked, deff = TRUE)
add("raked/all/sat", m, deff(m))
sub <- subset(raked, district == "桥东区")
m <- svymean(~factor(sat_overall), sub, deff = TRUE)
add("raked/district=桥东区/sat", m, deff(m))
out <- do.call(rbind, rows)
write.csv(out, file.path(here, "lab_reference.csv"), row.names = FALSE, fileEncoding = "UTF-8")
