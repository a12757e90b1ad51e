# Reference values for raking a sample without units (no strata) from R's survey package:
# weights.rake(design, margins, by=None) with whole-population margins (`population:` in
# config/margins/<wave>.yaml), checked in tests/test_weights_r.py.
#
# Run from the repository root, after make_reference.R (it reads that script's fixture):
#   Rscript tests/reference/r_survey/make_whole_reference.R
# The fixture's district column is ignored: one population, the sum of fixture_margins.csv over
# the districts, by gender and by age band. Writes (15 significant digits):
#   whole_weights.csv    id, raked: R's raked weight of every respondent
#   whole_reference.csv  case, estimate, se, deff: svymean(…, deff = TRUE) on two raked designs
#                        without strata, srs/… = svydesign(id = ~1) and clus/… = svydesign(id = ~community)
suppressPackageStartupMessages(library(survey))
invisible(Sys.setlocale("LC_CTYPE", "C.UTF-8"))
options(survey.lonely.psu = "fail", digits = 15)
here <- "tests/reference/r_survey"
sig <- function(x) signif(x, 15)
fx <- read.csv(file.path(here, "fixture.csv"), fileEncoding = "UTF-8")
margins <- read.csv(file.path(here, "fixture_margins.csv"), fileEncoding = "UTF-8")
pop_g <- aggregate(population ~ gender, margins, sum)
pop_a <- aggregate(population ~ age_band, margins, sum)
names(pop_g)[2] <- "Freq"
names(pop_a)[2] <- "Freq"
ctl <- list(maxit = 200, epsilon = 1e-12)
designs <- list(srs = svydesign(id = ~1, weights = ~base_w, data = fx),
                clus = svydesign(id = ~community, weights = ~base_w, data = fx))
rows <- list()
add <- function(case, m) {
  d <- attr(m, "deff")
  for (k in seq_along(coef(m))) {
    rows[[length(rows) + 1]] <<- data.frame(case = paste0(case, "/", names(coef(m))[k]),
                                            estimate = sig(coef(m)[[k]]), se = sig(SE(m)[[k]]),
                                            deff = sig(diag(as.matrix(d))[[k]]))
  }
}
for (name in names(designs)) {
  raked <- rake(designs[[name]], list(~gender, ~age_band), list(pop_g, pop_a), control = ctl)
  if (name == "srs") {
    write.csv(data.frame(id = fx$id, raked = sig(weights(raked))), file.path(here, "whole_weights.csv"),
              row.names = FALSE, fileEncoding = "UTF-8")
  }
  add(paste0(name, "/mean"), svymean(~sat_overall, raked, deff = TRUE))
  add(paste0(name, "/top2"), svymean(~top2, raked, deff = TRUE))
}
out <- do.call(rbind, rows)
write.csv(out, file.path(here, "whole_reference.csv"), row.names = FALSE, fileEncoding = "UTF-8", na = "")
