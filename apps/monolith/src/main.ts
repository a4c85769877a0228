import './instrument';
import 'reflect-metadata';
import { launch } from '@tessera/platform';
import { startMonolith } from './monolith.app';

launch(startMonolith);
