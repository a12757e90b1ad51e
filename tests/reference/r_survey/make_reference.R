# Reference values for src/analysis/weights.py from R's `survey` package (Lumley).
#
# Run from the repository root:   Rscript tests/reference/r_survey/make_reference.R
# Needs R and the survey package (Debian: apt-get install r-base-core r-cran-survey).
# Writes, next to this script:
#   apiclus1.csv         columns of survey's apiclus1 data set used by the tests
#   fixture.csv          a small survey-shaped fixture (3 districts = strata, communities = clusters)
#   fixture_margins.csv  its population margins: district x gender x age band
#   fixture_weights.csv  per respondent: R's raked, post-stratified and trimmed weights
#   reference.csv        every estimate: case, estimate, se, ci_low, ci_high, df (10 significant digits)
#   versions.txt         R and survey versions that produced the values
# The tests (tests/test_weights_r.py) read these files and never need R.

suppressPackageStartupMessages(library(survey))
invisible(Sys.setlocale("LC_CTYPE", "C.UTF-8"))
options(survey.lonely.psu = "fail", digits = 10)
here <- "tests/reference/r_survey"
sig <- function(x) signif(x, 10)
rows <- list()
add <- function(case, est, se = NA, lo = NA, hi = NA, df = NA) {
  rows[[length(rows) + 1]] <<- data.frame(case = case, estimate = sig(est), se = sig(se),
                                          ci_low = sig(lo), ci_high = sig(hi), df = df)
}
# mean with a t interval on the design's degrees of freedom (what weights.py reports)
add_mean <- function(case, formula, des) {
  m <- svymean(formula, des)
  ci <- confint(m, df = degf(des))
  add(case, coef(m)[[1]], SE(m)[[1]], ci[1, 1], ci[1, 2], degf(des))
}
# proportion: svymean of the indicator for the SE, svyciprop(method = "logit") for the interval
add_prop <- function(case, formula, des) {
  m <- svymean(formula, des)
  p <- svyciprop(formula, des, method = "logit")
  ci <- attr(p, "ci")
  add(case, coef(p)[[1]], SE(m)[[1]], ci[[1]], ci[[2]], degf(des))
}

# -- 1. the California API cluster sample (FORMATS.md's published figures) --------------------------
data(api)
api <- apiclus1[, c("snum", "dnum", "stype", "sch.wide", "awards", "api00", "api99", "enroll",
                    "meals", "pw", "fpc")]
api$stype <- as.character(api$stype)
api$sch.wide <- as.character(api$sch.wide)
api$awards <- as.character(api$awards)
write.csv(api, file.path(here, "apiclus1.csv"), row.names = FALSE, fileEncoding = "UTF-8")
dclus1 <- svydesign(id = ~dnum, weights = ~pw, data = api, fpc = ~fpc)
add_mean("api/mean_api00", ~api00, dclus1)
add("api/total_enroll", coef(svytotal(~enroll, dclus1))[[1]], SE(svytotal(~enroll, dclus1))[[1]])
add_prop("api/prop_awards_yes", ~I(awards == "Yes"), dclus1)
add_mean("api/domain_stypeE_mean_api00", ~api00, subset(dclus1, stype == "E"))
add_prop("api/domain_stypeE_prop_awards_yes", ~I(awards == "Yes"), subset(dclus1, stype == "E"))
pop.types <- data.frame(stype = c("E", "H", "M"), Freq = c(4421, 755, 1018))
pop.schwide <- data.frame(sch.wide = c("No", "Yes"), Freq = c(1072, 5122))
rclus1 <- rake(dclus1, list(~stype, ~sch.wide), list(pop.types, pop.schwide),
               control = list(maxit = 100, epsilon = 1e-12))
add_mean("api/raked_mean_api00", ~api00, rclus1)
add_prop("api/raked_prop_awards_yes", ~I(awards == "Yes"), rclus1)
add_mean("api/raked_domain_stypeE_mean_api00", ~api00, subset(rclus1, stype == "E"))
api_raked_w <- weights(rclus1)

# -- 2. a survey-shaped fixture ---------------------------------------------------------------------
set.seed(20261124)
plan <- data.frame(
  district  = c(rep("桥东区", 6), rep("桥西区", 5), rep("长安区", 4)),
  street    = c("东街道", "东街道", "南街道", "南街道", "南街道", "北街道",
                "西街道", "西街道", "西街道", "中街道", "中街道",
                "长街道", "长街道", "安街道", "安街道"),
  community = sprintf("C%02d", 1:15),
  size      = c(24, 9, 31, 17, 12, 26, 22, 14, 30, 11, 19, 16, 28, 8, 21),
  stringsAsFactors = FALSE)
people <- do.call(rbind, lapply(seq_len(nrow(plan)), function(i) {
  p <- plan[i, ]
  n <- p$size
  tilt <- rnorm(1, 0, 0.4)                               # community effect: clusters matter
  female <- rbinom(n, 1, 0.72)                           # women over-represented among respondents
  age <- pmin(70, pmax(20, round(rnorm(n, 42 + 4 * (p$district == "长安区"), 12))))
  score <- 3.2 + tilt + 0.015 * (age - 40) - 0.25 * female + rnorm(n, 0, 0.9)
  data.frame(district = p$district, street = p$street, community = p$community,
             gender = ifelse(female == 1, 2L, 1L), age = age,
             post = sample(1:4, n, replace = TRUE, prob = c(0.12, 0.1, 0.28, 0.5)),
             sat_overall = as.integer(pmin(5, pmax(1, round(score)))),
             stringsAsFactors = FALSE)
}))
people$age_band <- ifelse(people$age <= 34, 1L, ifelse(people$age <= 55, 2L, 3L))  # worker.yaml bands
people$top2 <- as.integer(people$sat_overall >= 4)
people <- cbind(id = seq_len(nrow(people)), people)
people$base_w <- 1
write.csv(people, file.path(here, "fixture.csv"), row.names = FALSE, fileEncoding = "UTF-8")

# population: district x gender x age band (synthetic)
margins <- expand.grid(age_band = 1:3, gender = 1:2, district = c("桥东区", "桥西区", "长安区"),
                       stringsAsFactors = FALSE)[, c("district", "gender", "age_band")]
margins$population <- c(120, 410, 95, 160, 520, 110,      # 桥东区: 男 1-3, 女 1-3
                        80, 300, 70, 140, 380, 60,        # 桥西区
                        50, 190, 85, 90, 260, 75)         # 长安区
write.csv(margins, file.path(here, "fixture_margins.csv"), row.names = FALSE, fileEncoding = "UTF-8")

people$dg <- paste(people$district, people$gender)
people$da <- paste(people$district, people$age_band)
people$dga <- paste(people$district, people$gender, people$age_band)
pop_dg <- aggregate(population ~ district + gender, margins, sum)
pop_da <- aggregate(population ~ district + age_band, margins, sum)
pop_dg <- data.frame(dg = paste(pop_dg$district, pop_dg$gender), Freq = pop_dg$population)
pop_da <- data.frame(da = paste(pop_da$district, pop_da$age_band), Freq = pop_da$population)
pop_dga <- data.frame(dga = paste(margins$district, margins$gender, margins$age_band),
                      Freq = margins$population)

des0 <- svydesign(id = ~community, strata = ~district, weights = ~base_w, data = people, nest = TRUE)
raked <- rake(des0, list(~dg, ~da), list(pop_dg, pop_da), control = list(maxit = 200, epsilon = 1e-12))
post <- postStratify(des0, ~dga, pop_dga)

# trimming: per district, cap at 2 x the district's median raked weight (weights.py's rule with
# factor 2, so that it binds in two of the three districts), redistributed by trimWeights(strict = TRUE)
wr <- weights(raked)
trimmed_w <- wr
caps <- c()
for (d in unique(people$district)) {
  inside <- people$district == d
  cap <- 2 * median(wr[inside])
  caps[d] <- cap
  dd <- svydesign(id = ~community, weights = ~w, data = data.frame(people[inside, ], w = wr[inside]))
  trimmed_w[inside] <- weights(trimWeights(dd, upper = cap, strict = TRUE))
}
people$trimmed_w <- trimmed_w
trimmed_plain <- svydesign(id = ~community, strata = ~district, weights = ~trimmed_w, data = people,
                           nest = TRUE)
reraked <- rake(trimmed_plain, list(~dg, ~da), list(pop_dg, pop_da),
                control = list(maxit = 200, epsilon = 1e-12))
write.csv(data.frame(id = people$id, raked = sig(wr), poststratified = sig(weights(post)),
                     trimmed = sig(trimmed_w), reraked = sig(weights(reraked))),
          file.path(here, "fixture_weights.csv"), row.names = FALSE, fileEncoding = "UTF-8")
# two designs on the trimmed weights: "trimmed" keeps the raking in the variance, as trimWeights
# does; "trimmed_plain" treats the trimmed weights as given (what weights.py reports: trimming
# breaks the margins the raking asserted, so no calibration is claimed for the variance)
# "reraked" is the recipe weights.weight_design follows: rake, trim, rake again from the trimmed
# weights, so the margins hold again and the variance accounts for the raking
trimmed <- raked
trimmed$prob <- 1 / trimmed_w

designs <- list(unweighted = des0, raked = raked, poststratified = post, trimmed = trimmed,
                trimmed_plain = trimmed_plain, reraked = reraked)
for (nm in names(designs)) {
  des <- designs[[nm]]
  add_mean(sprintf("fixture/%s/mean_sat", nm), ~sat_overall, des)
  add_prop(sprintf("fixture/%s/prop_top2", nm), ~I(top2 == 1), des)
  for (d in c("桥东区", "桥西区", "长安区")) {
    sub <- subset(des, district == d)
    add_mean(sprintf("fixture/%s/district=%s/mean_sat", nm, d), ~sat_overall, sub)
    add_prop(sprintf("fixture/%s/district=%s/prop_top2", nm, d), ~I(top2 == 1), sub)
    w <- weights(des)[people$district == d]
    add(sprintf("fixture/%s/district=%s/kish_deff", nm, d), length(w) * sum(w^2) / sum(w)^2)
  }
  sec <- subset(des, post == 1)
  add_mean(sprintf("fixture/%s/post=1/mean_sat", nm), ~sat_overall, sec)
  add_prop(sprintf("fixture/%s/post=1/prop_top2", nm), ~I(top2 == 1), sec)
  qd_sec <- subset(des, district == "桥东区" & post == 1)
  add_mean(sprintf("fixture/%s/district=桥东区&post=1/mean_sat", nm), ~sat_overall, qd_sec)
  add_prop(sprintf("fixture/%s/district=桥东区&post=1/prop_top2", nm), ~I(top2 == 1), qd_sec)
  women <- subset(des, gender == 2)
  add_mean(sprintf("fixture/%s/gender=2/mean_sat", nm), ~sat_overall, women)
  st <- subset(des, street == "南街道")
  add_mean(sprintf("fixture/%s/street=南街道/mean_sat", nm), ~sat_overall, st)
  add_prop(sprintf("fixture/%s/street=南街道/prop_top2", nm), ~I(top2 == 1), st)
  w <- weights(des)
  add(sprintf("fixture/%s/kish_deff", nm), length(w) * sum(w^2) / sum(w)^2)
}
for (d in names(caps)) add(sprintf("fixture/trim_cap/district=%s", d), caps[[d]])

# three respondents without an age band: left out of the weighting (subset, then rake)
gap <- people
gap$age_band[c(7, 100, 200)] <- NA
gap$da <- paste(gap$district, gap$age_band)
gap0 <- svydesign(id = ~community, strata = ~district, weights = ~base_w, data = gap, nest = TRUE)
gap_raked <- rake(subset(gap0, !is.na(age_band)), list(~dg, ~da), list(pop_dg, pop_da),
                  control = list(maxit = 200, epsilon = 1e-12))
add_mean("fixture/missing_age/raked/mean_sat", ~sat_overall, gap_raked)
add_prop("fixture/missing_age/raked/prop_top2", ~I(top2 == 1), gap_raked)
add_mean("fixture/missing_age/raked/post=1/mean_sat", ~sat_overall, subset(gap_raked, post == 1))

out <- do.call(rbind, rows)
write.csv(out, file.path(here, "reference.csv"), row.names = FALSE, fileEncoding = "UTF-8", na = "")
writeLines(c(R.version.string, paste("survey", as.character(packageVersion("survey")))),
           file.path(here, "versions.txt"))
print(out, row.names = FALSE)
