import { Faker, base, en, fr } from '@faker-js/faker';
import { CITIES, EMAIL_DOMAINS } from './catalog.js';
import { Random, Stream } from './random.js';

/** Who is behind one or more devices: the personal data a lead form or a newsletter sign-up reveals. */
export interface PersonProfile {
  firstName: string;
  lastName: string;
  email: string;
  phone: string;
  birthYear: number;
  postalCode: string;
  city: string;
}

// A private instance: seeding the shared `fakerFR` would disturb other generators running in the same process.
const faker = new Faker({ locale: [fr, en, base] });

function asciiLower(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');
}

/** The profile of person `index`, always the same for the same seed (synthetic: no real person). */
export function personProfile(seed: number, index: number, referenceYear: number): PersonProfile {
  const random = new Random(seed, Stream.person, index);
  faker.seed([seed, Stream.person, index]);
  const sex = random.chance(0.5) ? 'female' : 'male';
  const firstName = faker.person.firstName(sex);
  const lastName = faker.person.lastName();
  const first = asciiLower(firstName) || 'contact';
  const last = asciiLower(lastName) || 'client';
  const domain = random.weighted(EMAIL_DOMAINS);
  const local = random.weighted<string>([
    [`${first}.${last}`, 45],
    [`${first}.${last}${random.int(1, 99)}`, 20],
    [`${first[0]}${last}`, 15],
    [`${first}${last}${random.int(70, 99)}`, 10],
    [`${last}.${first}`, 10],
  ]);
  let digits = '';
  for (let i = 0; i < 8; i++) digits += String(random.int(0, 9));
  const age = Math.round(Math.min(75, Math.max(20, 37 + 9 * random.normal())));
  const place = random.weighted(CITIES);
  return {
    firstName,
    lastName,
    email: `${local}@${domain}`,
    phone: `+33${random.chance(0.8) ? '6' : '7'}${digits}`,
    birthYear: referenceYear - age,
    postalCode: random.pick(place.postalCodes),
    city: place.city,
  };
}
