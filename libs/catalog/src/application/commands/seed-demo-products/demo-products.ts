import type { NewProduct } from '../../../domain/product.aggregate';

const usd = (amount: number) => ({ amount, currency: 'USD' });

/** A small shop's worth of products, so that a fresh install has something to browse and order. */
export const DEMO_PRODUCTS: readonly NewProduct[] = [
  {
    sku: 'MUG-STONE-350',
    name: 'Stoneware Coffee Mug',
    description: 'Hand-glazed stoneware mug, 350 ml. Dishwasher and microwave safe.',
    price: usd(1800),
    stock: 120,
  },
  {
    sku: 'NB-A5-DOT',
    name: 'A5 Dotted Notebook',
    description: '160 pages of 100 gsm dotted paper, lay-flat binding, ribbon bookmark.',
    price: usd(1450),
    stock: 250,
  },
  {
    sku: 'PEN-GEL-07-BLK',
    name: 'Gel Pen, Black (3-pack)',
    description: '0.7 mm quick-drying gel ink with a soft grip.',
    price: usd(699),
    stock: 400,
  },
  {
    sku: 'KB-MECH-TKL',
    name: 'Tenkeyless Mechanical Keyboard',
    description: 'Hot-swappable tactile switches, PBT keycaps, detachable USB-C cable.',
    price: usd(11900),
    stock: 35,
  },
  {
    sku: 'MOUSE-WL-ERGO',
    name: 'Ergonomic Wireless Mouse',
    description: 'Vertical grip, silent clicks, up to 70 days on one charge.',
    price: usd(4999),
    stock: 60,
  },
  {
    sku: 'CABLE-USBC-2M',
    name: 'USB-C to USB-C Cable, 2 m',
    description: 'Braided cable, 100 W charging and 10 Gbps data.',
    price: usd(1299),
    stock: 300,
  },
  {
    sku: 'LAMP-DESK-LED',
    name: 'LED Desk Lamp',
    description: 'Dimmable, five colour temperatures, with a USB charging port in the base.',
    price: usd(3900),
    stock: 45,
  },
  {
    sku: 'HP-ANC-OVER',
    name: 'Noise-Cancelling Headphones',
    description: 'Over-ear, active noise cancelling, 30 hours of battery.',
    price: usd(19900),
    stock: 20,
  },
  {
    sku: 'BOTTLE-SS-750',
    name: 'Insulated Water Bottle, 750 ml',
    description: 'Double-walled stainless steel: cold for 24 hours, hot for 12.',
    price: usd(2795),
    stock: 150,
  },
  {
    sku: 'BAG-DAYPACK-20L',
    name: 'Everyday Backpack, 20 L',
    description: 'Water-resistant recycled nylon with a padded 15-inch laptop sleeve.',
    price: usd(8900),
    stock: 40,
  },
  {
    sku: 'COFFEE-BEANS-1KG',
    name: 'Single-Origin Coffee Beans, 1 kg',
    description: 'Whole beans from Huila, Colombia. Medium roast with notes of cocoa and red apple.',
    price: usd(3250),
    stock: 80,
  },
  {
    sku: 'STAND-PHONE-ALU',
    name: 'Aluminium Phone Stand',
    description: 'Adjustable angle, fits phones and small tablets up to 8 inches.',
    price: usd(2200),
    stock: 5,
  },
];
