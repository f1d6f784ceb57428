import type { Channel } from './types.js';

/**
 * The simulated broker website and its traffic sources: pages, calls to action, campaigns, devices and
 * places. Pure data; the weights shape the generated traffic.
 */

export const SITE_ORIGIN = 'https://www.moncourtier.example';

export type PageKey =
  | 'home'
  | 'rates'
  | 'loanSimulation'
  | 'capacitySimulation'
  | 'insurance'
  | 'refinancing'
  | 'guideFirstPurchase'
  | 'guideZeroRate'
  | 'guideNotaryFees'
  | 'agencyParis'
  | 'agencyLyon'
  | 'contact'
  | 'leadForm'
  | 'thanks'
  | 'account';

export interface Page {
  path: string;
  name: string;
  title: string;
}

export const PAGES: Record<PageKey, Page> = {
  home: { path: '/', name: 'Accueil', title: 'Courtier en prêt immobilier | MonCourtier' },
  rates: { path: '/taux-immobilier', name: 'Taux immobilier', title: 'Taux immobilier du jour | MonCourtier' },
  loanSimulation: {
    path: '/simulation-pret',
    name: 'Simulation prêt immobilier',
    title: 'Simulation de prêt immobilier gratuite | MonCourtier',
  },
  capacitySimulation: {
    path: '/simulateur-capacite',
    name: "Simulateur capacité d'emprunt",
    title: "Calculez votre capacité d'emprunt | MonCourtier",
  },
  insurance: { path: '/assurance-emprunteur', name: 'Assurance emprunteur', title: 'Assurance emprunteur | MonCourtier' },
  refinancing: { path: '/rachat-credit', name: 'Rachat de crédit', title: 'Rachat de crédit immobilier | MonCourtier' },
  guideFirstPurchase: {
    path: '/guides/premier-achat',
    name: 'Guide premier achat',
    title: 'Premier achat immobilier : le guide | MonCourtier',
  },
  guideZeroRate: {
    path: '/guides/pret-taux-zero',
    name: 'Guide prêt à taux zéro',
    title: 'Prêt à taux zéro (PTZ) : conditions | MonCourtier',
  },
  guideNotaryFees: {
    path: '/guides/frais-de-notaire',
    name: 'Guide frais de notaire',
    title: 'Frais de notaire : calcul et simulation | MonCourtier',
  },
  agencyParis: { path: '/agences/paris', name: 'Agence Paris', title: 'Courtier immobilier à Paris | MonCourtier' },
  agencyLyon: { path: '/agences/lyon', name: 'Agence Lyon', title: 'Courtier immobilier à Lyon | MonCourtier' },
  contact: { path: '/contact', name: 'Contact', title: 'Contactez un courtier | MonCourtier' },
  leadForm: {
    path: '/demande-financement',
    name: 'Demande de financement',
    title: 'Votre demande de financement | MonCourtier',
  },
  thanks: { path: '/merci', name: 'Merci', title: 'Merci pour votre demande | MonCourtier' },
  account: { path: '/espace-client', name: 'Espace client', title: 'Mon espace client | MonCourtier' },
};

/** Where a visitor browses next, from any content page. */
export const BROWSE_WEIGHTS: readonly (readonly [PageKey, number])[] = [
  ['home', 10],
  ['rates', 22],
  ['loanSimulation', 14],
  ['capacitySimulation', 10],
  ['insurance', 8],
  ['refinancing', 6],
  ['guideFirstPurchase', 8],
  ['guideZeroRate', 6],
  ['guideNotaryFees', 6],
  ['agencyParis', 4],
  ['agencyLyon', 2],
  ['contact', 4],
];

/** First page of a visit, by channel. */
export const LANDING_WEIGHTS: Record<Channel, readonly (readonly [PageKey, number])[]> = {
  sea: [
    ['rates', 40],
    ['loanSimulation', 30],
    ['capacitySimulation', 15],
    ['refinancing', 10],
    ['home', 5],
  ],
  seo: [
    ['guideFirstPurchase', 20],
    ['guideZeroRate', 15],
    ['guideNotaryFees', 15],
    ['rates', 20],
    ['insurance', 10],
    ['home', 10],
    ['agencyParis', 6],
    ['agencyLyon', 4],
  ],
  partner: [
    ['capacitySimulation', 45],
    ['loanSimulation', 35],
    ['rates', 20],
  ],
  newsletter: [
    ['rates', 55],
    ['guideZeroRate', 15],
    ['insurance', 15],
    ['home', 15],
  ],
  direct: [
    ['home', 60],
    ['rates', 15],
    ['loanSimulation', 15],
    ['account', 10],
  ],
};

export interface CallToAction {
  id: string;
  label: string;
  /** Leads to a simulator (the funnel goes on) or to the contact page. */
  leadsTo: 'simulation' | 'contact';
}

export const CTAS: readonly CallToAction[] = [
  { id: 'hero-simulate', label: 'Simuler mon prêt', leadsTo: 'simulation' },
  { id: 'capacity-calculate', label: 'Calculer ma capacité', leadsTo: 'simulation' },
  { id: 'compare-rates', label: 'Comparer les taux', leadsTo: 'simulation' },
  { id: 'sticky-callback', label: 'Être rappelé', leadsTo: 'contact' },
  { id: 'contact-advisor', label: 'Contacter un courtier', leadsTo: 'contact' },
];

export const SIMULATION_TYPES = ['mensualites', 'capacite_emprunt', 'taux'] as const;

/** CRM `TypProj__c` values a lead form can carry. */
export const PROJECT_TYPES: readonly (readonly [string, number])[] = [
  ['Acquisition', 78],
  ['Acquisition+travaux', 22],
];

export interface Campaign {
  source: string;
  medium: string;
  name: string | null;
  term: string | null;
  content: string | null;
  referrer: string | null;
}

export const SEA_CAMPAIGNS = ['marque_moncourtier', 'taux_immobilier_generique', 'simulation_pret_immo', 'rachat_credit_immo'];
export const SEA_TERMS = [
  'taux immobilier',
  'simulation prêt immobilier',
  'courtier immobilier',
  'meilleur taux crédit immobilier',
  "capacité d'emprunt",
  'moncourtier',
];
export const SEARCH_ENGINES: readonly (readonly [{ source: string; referrer: string }, number])[] = [
  [{ source: 'google', referrer: 'https://www.google.com/' }, 86],
  [{ source: 'bing', referrer: 'https://www.bing.com/' }, 8],
  [{ source: 'qwant', referrer: 'https://www.qwant.com/' }, 4],
  [{ source: 'ecosia', referrer: 'https://www.ecosia.org/' }, 2],
];
export const PARTNERS: readonly (readonly [{ source: string; referrer: string; name: string }, number])[] = [
  [{ source: 'moneyvox', referrer: 'https://www.moneyvox.fr/credit-immobilier/', name: 'iframe_simulateur' }, 40],
  [{ source: 'seloger', referrer: 'https://www.seloger.com/', name: 'encart_financement' }, 25],
  [{ source: 'pap', referrer: 'https://www.pap.fr/', name: 'article_taux' }, 20],
  [{ source: 'leboncoin', referrer: 'https://www.leboncoin.fr/', name: 'annonce_immo' }, 15],
];

export interface DeviceKind {
  userAgent: string;
  mobile: boolean;
}

export const USER_AGENTS: readonly (readonly [DeviceKind, number])[] = [
  [
    {
      userAgent:
        'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
      mobile: true,
    },
    26,
  ],
  [
    {
      userAgent:
        'Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36',
      mobile: true,
    },
    22,
  ],
  [
    {
      userAgent:
        'Mozilla/5.0 (Linux; Android 13; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.0.0 Mobile Safari/537.36',
      mobile: true,
    },
    8,
  ],
  [
    {
      userAgent:
        'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
      mobile: false,
    },
    20,
  ],
  [
    {
      userAgent:
        'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0',
      mobile: false,
    },
    8,
  ],
  [
    {
      userAgent:
        'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
      mobile: false,
    },
    10,
  ],
  [{ userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:127.0) Gecko/20100101 Firefox/127.0', mobile: false }, 6],
];

export const LOCALES: readonly (readonly [string, number])[] = [
  ['fr-FR', 93],
  ['fr-BE', 2],
  ['en-GB', 3],
  ['en-US', 2],
];

/** First octets of residential address blocks (synthetic addresses, no real subscriber). */
export const IP_PREFIXES = [2, 31, 37, 77, 78, 80, 81, 82, 83, 84, 86, 88, 90, 91, 92, 109, 176, 178, 185, 193];

export const CITIES: readonly (readonly [{ city: string; postalCodes: readonly string[] }, number])[] = [
  [{ city: 'Paris', postalCodes: ['75011', '75015', '75018', '75020', '75012', '75017'] }, 18],
  [{ city: 'Lyon', postalCodes: ['69003', '69007', '69008'] }, 8],
  [{ city: 'Marseille', postalCodes: ['13008', '13005', '13012'] }, 7],
  [{ city: 'Toulouse', postalCodes: ['31000', '31400', '31500'] }, 6],
  [{ city: 'Nantes', postalCodes: ['44000', '44300'] }, 5],
  [{ city: 'Bordeaux', postalCodes: ['33000', '33800'] }, 5],
  [{ city: 'Lille', postalCodes: ['59000', '59800'] }, 4],
  [{ city: 'Montpellier', postalCodes: ['34000', '34070'] }, 4],
  [{ city: 'Rennes', postalCodes: ['35000', '35200'] }, 4],
  [{ city: 'Strasbourg', postalCodes: ['67000', '67100'] }, 3],
  [{ city: 'Nice', postalCodes: ['06000', '06200'] }, 3],
  [{ city: 'Grenoble', postalCodes: ['38000', '38100'] }, 2],
  [{ city: 'Boulogne-Billancourt', postalCodes: ['92100'] }, 3],
  [{ city: 'Montreuil', postalCodes: ['93100'] }, 2],
  [{ city: 'Versailles', postalCodes: ['78000'] }, 2],
  [{ city: 'Angers', postalCodes: ['49000', '49100'] }, 2],
  [{ city: 'Dijon', postalCodes: ['21000'] }, 2],
  [{ city: 'Reims', postalCodes: ['51100'] }, 2],
  [{ city: 'Tours', postalCodes: ['37000', '37100'] }, 2],
  [{ city: 'Annecy', postalCodes: ['74000'] }, 2],
];

export const EMAIL_DOMAINS: readonly (readonly [string, number])[] = [
  ['gmail.com', 45],
  ['hotmail.fr', 14],
  ['yahoo.fr', 9],
  ['orange.fr', 10],
  ['free.fr', 7],
  ['outlook.fr', 6],
  ['sfr.fr', 4],
  ['laposte.net', 5],
];

/** Relative traffic by local hour (Europe/Paris): quiet at night, peaks late morning and evening. */
export const HOUR_WEIGHTS: readonly number[] = [
  0.16, 0.09, 0.05, 0.04, 0.04, 0.07, 0.2, 0.45, 0.75, 0.95, 1.05, 1.05, 0.95, 1.0, 1.05, 1.0, 0.95, 0.95, 1.0, 1.1, 1.2, 1.1,
  0.75, 0.4,
];

/** Relative traffic by weekday, Sunday first. */
export const WEEKDAY_WEIGHTS: readonly number[] = [0.85, 1.12, 1.1, 1.05, 1.0, 0.9, 0.72];
