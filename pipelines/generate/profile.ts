import { Weighted } from './rng.js';

/**
 * The shapes and proportions of the generated opportunities, from ../shared/data/SOURCES.md (measured on
 * the full real export) where it gives them, and from the real sample rows otherwise. Weights are percents.
 */

/** Borrower's professional category (SOURCES.md: 72.2 / 15.5 / 2.8 / 2.4 / 1.6, others below). */
export const PROFESSIONAL_CATEGORY = new Weighted<string>([
  ['Salarié du privé', 72.2],
  ['Salarié du public', 15.5],
  ['Dirigeant de société', 2.8],
  ['Retraité', 2.4],
  ['Travailleur indépendant', 1.6],
  ['Profession libérale', 1.5],
  ['Artisan commerçant', 1.3],
  ['Sans activité professionnelle', 1.1],
  ['Chômeur', 0.9],
  ['Étudiant', 0.7],
]);

/** Borrower's employment contract (SOURCES.md). */
export const EMPLOYMENT_CONTRACT = new Weighted<string>([
  ["CDI période d'essai terminée", 79.1],
  ['Fonctionnaire ou assimilé', 14.3],
  ['Éducation nationale', 2.3],
  ['CDD', 1.9],
  ["CDI période d'essai non terminée", 1.4],
  ['Intérimaire', 0.6],
  ['Autres', 0.3],
  ['Multi-employeurs', 0.05],
  ['Intermittent du spectacle', 0.05],
]);

/** Share of borrowers who had a mortgage before (SOURCES.md: 40.8%). */
export const PRIOR_MORTGAGE_SHARE = 0.408;
/** Share of borrower category/contract cells left empty. */
export const BORROWER_EMPTY_SHARE = 0.006;
/** Share of opportunities without a co-borrower: both co-borrower columns empty. */
export const CO_BORROWER_EMPTY_SHARE = 0.58;

export const STAGES = new Weighted<string>([
  ['1-Découverte', 17],
  ['2-Constitution du dossier', 6],
  ['3-Étude bancaire', 4],
  ['4-Accord de principe', 2.5],
  ['5-Gagnée', 3.5],
  ['6-Perdue', 67],
]);

export const ORIGINS = new Weighted<string>([
  ['Web', 55],
  ["Web Calcul d'Enveloppe", 35],
  ['Franchise', 10],
]);

export const WEB_SOURCES = new Weighted<string>([
  ['MTX', 26],
  ['MTX_MOBILE', 30],
  ['MTX_ESPACE_CLIENT', 9],
  ['PARTENAIRE_IFRAME_MONEYVOX', 8],
  ['PARTENAIRE_IFRAME_LESFURETS', 4],
  ['PARTENAIRE_IFRAME_PAP', 3],
  ['MTX_SEA_GOOGLE', 7],
  ['MTX_NEWSLETTER', 5],
  ['', 8],
]);

export const MAIN_BANKS = new Weighted<string>([
  ['CREDIT AGRICOLE', 21],
  ['BNP PARIBAS', 11],
  ['SOCIETE GENERALE', 9],
  ["CAISSE D'EPARGNE", 10],
  ['BANQUE POPULAIRE', 8],
  ['CREDIT MUTUEL', 8],
  ['LCL', 7],
  ['LA BANQUE POSTALE', 7],
  ['CIC', 5],
  ['BOURSORAMA BANQUE', 4],
  ['HELLO BANK', 1.2],
  ['ING', 1.2],
  ['FORTUNEO', 1],
  ['BRED', 1],
  ['HSBC', 0.6],
  ['AXA BANQUE', 0.4],
  ['MONABANQ', 0.4],
  ['AUTRE', 1.2],
  ['', 2],
]);

export const HOUSING = new Weighted<string>([
  ['Locataire', 52],
  ['Propriétaire', 28],
  ['Hébergé à titre gratuit', 18],
  ['', 2],
]);

export const PROPERTY_TYPES = new Weighted<string>([
  ['Maison', 55],
  ['Appartement', 40],
  ['Autres', 5],
]);

export const PROJECT_TYPES = new Weighted<string>([
  ['Acquisition', 80],
  ['Acquisition+travaux', 20],
]);

export const PROPERTY_USES = new Weighted<string>([
  ['Résidence principale', 80],
  ['Investissement locatif', 15],
  ['Usage mixte du bien', 3],
  ['Résidence secondaire', 2],
]);

export const WISHED_DURATION_YEARS = new Weighted<number | null>([
  [20, 62],
  [25, 22],
  [15, 8],
  [10, 2],
  [30, 1],
  [null, 5],
]);

export const PROGRESS_STEPS = new Weighted<number>([
  [1, 5],
  [2, 15],
  [3, 20],
  [4, 55],
  [5, 5],
]);

export const BROKER_FEES = new Weighted<number | null>([
  [null, 60],
  [990, 3],
  [1500, 10],
  [1800, 7],
  [2000, 12],
  [2500, 5],
  [3000, 3],
]);

export const RECORD_TYPE_ID = '01220000000TwMYAA0';
export const FRANCHISE_RECORD_TYPE_ID = '0125q000000QyFrAAK';

/** Share of opportunities whose age is empty. */
export const AGE_EMPTY_SHARE = 0.003;
/** Impossible ages written in place of real ones (the real export holds -940 and 144). */
export const IMPOSSIBLE_AGES: readonly number[] = [-940, 144, 1987, 0, 7, 212];
/** One opportunity in this many gets an impossible age (at least 2 per export). */
export const IMPOSSIBLE_AGE_EVERY = 30_000;

/**
 * Borrower ages 18 to 85: a gamma law (shape 5, scale 4.464) from 15 years, discretised. Mean 37.3,
 * median 36, as measured on the real export.
 */
export const AGES = new Weighted<number>(
  Array.from({ length: 85 - 18 + 1 }, (_, i) => {
    const age = 18 + i;
    const x = age - 15;
    return [age, x ** 4 * Math.exp(-x / 4.464)] as const;
  }),
);

/** Processing steps of propositions (free text in the CRM). */
export const PROPOSITION_STEPS = new Weighted<string>([
  ['1-Proposition reçue / Source: Partenaire', 30],
  ['2-Proposition transmise au client / Source: Conseiller', 18],
  ['3-Accord de principe / Source: Banque', 10],
  ['4-Offre éditée / Source: Banque', 4],
  ['5-Offre acceptée / Source: Client', 2],
  ['98-Refus de la banque / Source: Banque', 10],
  ["99-Non éligible à la transmission / Source: Règle d'éligibilité", 14],
  ["99-Non éligible à la transmission / Source: Taux d'endettement, reste à vivre", 6],
  ['99-Non éligible à la transmission / Source: Apport insuffisant', 4],
  ['', 2],
]);

export const LOAN_MONTHS = new Weighted<number | null>([
  [60, 1],
  [84, 1],
  [120, 4],
  [144, 2],
  [180, 12],
  [204, 2],
  [240, 48],
  [264, 2],
  [300, 24],
  [null, 4],
]);
